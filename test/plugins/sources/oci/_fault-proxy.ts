/**
 * @module
 * A loopback HTTP proxy in front of a real registry whose `answer` hook may
 * take over any request (a redirect, a 503 with `Retry-After`, a body that
 * stops half way); whatever it leaves alone is forwarded unchanged.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export interface FaultProxy {
  /** `127.0.0.1:<port>`, the registry part of image references through the proxy. */
  readonly host: string
  /** Requests seen, as `METHOD path`, in order. */
  readonly seen: ReadonlyArray<string>
}

/** Takes over a request by answering it (returns true), or leaves it to the registry (false). */
export type Answer = (req: IncomingMessage, res: ServerResponse) => boolean

export async function startFaultProxy(t: { teardown: (fn: () => unknown) => void }, target: string, answer: Answer): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(":")
  const sockets = new Set<Socket>()
  const seen: Array<string> = []
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    if (answer(req, res)) return
    const upstream = request({ host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers }, (up) => {
      const headers = { ...up.headers }
      if (typeof headers.location === "string") headers.location = headers.location.replace(`http://${target}`, "")
      res.writeHead(up.statusCode ?? 502, headers)
      up.pipe(res)
    })
    upstream.on("error", () => res.destroy())
    req.pipe(upstream)
  })
  server.on("connection", (s: Socket) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  t.teardown(async () => {
    const done = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await done
  })
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

/** An answer that sends matching GET and HEAD requests to the same path on `to` with a 307. */
export function redirectTo(to: string, matches: (path: string) => boolean): Answer {
  return (req, res) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || !matches(req.url ?? "/")) return false
    res.writeHead(307, { location: `http://${to}${req.url}`, "content-length": "0" })
    res.end()
    return true
  }
}
