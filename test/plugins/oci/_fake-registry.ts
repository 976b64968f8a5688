/**
 * A tiny loopback HTTP server speaking just enough of the distribution API
 * to misbehave on purpose: wrong bytes, lying sizes, huge manifests, 5xx and
 * 429, dropped connections, hangs. The real registry cannot be made to do
 * these, so the fault tests use this.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { BuiltImage } from "../../helpers/oci-image.ts"

export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingMessage["headers"]
}

export interface FakeRegistry {
  readonly url: string
  readonly host: string
  readonly requests: Array<SeenRequest>
}

/** Answers a request, or returns false to fall through to the next handler. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>

export async function startFake(t: { teardown: (fn: () => unknown) => void }, ...handlers: ReadonlyArray<Handler>): Promise<FakeRegistry> {
  const requests: Array<SeenRequest> = []
  const server = createServer(async (req, res) => {
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers })
    req.resume()
    for (const handler of handlers) if (await handler(req, res)) return
    res.writeHead(404, { "content-type": "application/json" })
    res.end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN", message: "not here" }] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  t.teardown(() =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  )
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, requests }
}

/** Sends bytes, honouring `Range: bytes=<n>-` with a 206. */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Uint8Array,
  contentType = "application/octet-stream",
  extra: Record<string, string> = {}
): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "")
  if (range !== null) {
    const start = Number(range[1])
    if (start >= bytes.length) {
      res.writeHead(416, { "content-range": `bytes */${bytes.length}` })
      res.end()
      return
    }
    res.writeHead(206, {
      ...extra,
      "content-type": contentType,
      "content-length": String(bytes.length - start),
      "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`
    })
    res.end(req.method === "HEAD" ? undefined : Buffer.from(bytes.subarray(start)))
    return
  }
  res.writeHead(200, { ...extra, "content-type": contentType, "content-length": String(bytes.length) })
  res.end(req.method === "HEAD" ? undefined : Buffer.from(bytes))
}

/** Serves an image's manifest (by tag and digest), config and layers under `repo`. */
export function serveImage(repo: string, tag: string, image: BuiltImage): Handler {
  const blobs = new Map<string, Uint8Array>([[image.config.digest, image.config.bytes], ...image.layers.map((l) => [l.digest, l.bytes] as const)])
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0]
    if (path === `/v2/${repo}/manifests/${tag}` || path === `/v2/${repo}/manifests/${image.manifest.digest}`) {
      send(req, res, image.manifest.bytes, image.manifest.mediaType, { "docker-content-digest": image.manifest.digest })
      return true
    }
    const m = new RegExp(`^/v2/${repo}/blobs/(sha256:[a-f0-9]{64})$`).exec(path)
    const bytes = m !== null ? blobs.get(m[1]) : undefined
    if (bytes === undefined) return false
    send(req, res, bytes)
    return true
  }
}

/** Matches `METHOD path` (path without query). */
export function route(
  method: string,
  path: string | RegExp,
  handle: (req: IncomingMessage, res: ServerResponse) => boolean | void | Promise<boolean | void>
): Handler {
  return async (req, res) => {
    const p = (req.url ?? "").split("?")[0]
    if (req.method !== method || (typeof path === "string" ? p !== path : !path.test(p))) return false
    return (await handle(req, res)) !== false
  }
}
