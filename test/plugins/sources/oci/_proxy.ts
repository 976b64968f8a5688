/**
 * A loopback HTTP proxy in front of a real registry, so tests can take the
 * registry away (`close`) or hold requests (`hold`) until `release`, without
 * touching the registry process.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export interface Proxy {
  /** `127.0.0.1:<port>`, the registry part of image references through the proxy. */
  readonly host: string
  /** Stops answering: the listener closes and open connections are destroyed. */
  readonly close: () => Promise<void>
  /** Resolves when a held request has arrived. */
  readonly held: Promise<string>
  /** Forwards the held requests, and those `hold` picks from now on. */
  readonly release: () => void
}

export interface ProxyOptions {
  /** Requests whose path matches are held: not answered until `release` (or ever, until `close`). */
  readonly hold?: (method: string, path: string) => boolean
}

export async function startProxy(t: { teardown: (fn: () => unknown) => void }, target: string, options: ProxyOptions = {}): Promise<Proxy> {
  const [targetHost, targetPort] = target.split(":")
  const sockets = new Set<Socket>()
  let onHeld!: (path: string) => void
  const held = new Promise<string>((resolve) => (onHeld = resolve))
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (options.hold?.(req.method ?? "GET", req.url ?? "/") === true) {
      onHeld(req.url ?? "/")
      await released
    }
    const upstream = request({ host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers }, (up) => {
      // The registry answers with its own address in Location; clients resolve it against the proxy.
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
  const port = (server.address() as AddressInfo).port
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    const done = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await done
  }
  t.teardown(close)
  return { host: `127.0.0.1:${port}`, close, held, release }
}
