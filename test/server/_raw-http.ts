/**
 * @module
 * Raw HTTP/1.1 over a `node:net` socket, for requests `fetch` refuses to
 * send: a foreign `Host`, a body shorter than its `Content-Length`, a
 * malformed request line, oversized headers.
 */
import { connect, type Socket } from "node:net"

/** A parsed response: status, lower-cased headers, the body as text. */
export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Splits what the server sent into a response (chunked bodies decoded). */
function parse(raw: string): RawResponse {
  const cut = raw.indexOf("\r\n\r\n")
  if (cut < 0) throw new Error(`no complete response head in ${JSON.stringify(raw.slice(0, 200))}`)
  const [statusLine, ...lines] = raw.slice(0, cut).split("\r\n")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const i = line.indexOf(":")
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  let body = raw.slice(cut + 4)
  if (headers["transfer-encoding"] === "chunked") {
    let decoded = ""
    for (;;) {
      const eol = body.indexOf("\r\n")
      const size = parseInt(body.slice(0, eol), 16)
      if (!(size > 0)) break
      decoded += body.slice(eol + 2, eol + 2 + size)
      body = body.slice(eol + 2 + size + 2)
    }
    body = decoded
  }
  // Read as latin1 so chunk sizes count bytes; the body itself is UTF-8.
  return { status: Number(statusLine.split(" ")[1]), headers, body: Buffer.from(body, "latin1").toString("utf8") }
}

/** The host and port of a `http://HOST:PORT` URL, for `connect`. */
function endpoint(url: string): { host: string; port: number } {
  const u = new URL(url)
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port) }
}

/**
 * Opens a socket to `url`, writes `head` (and `body`, if any), and resolves
 * with the response once the server closes the connection. The socket is
 * left open for writing: a stalled client is one that sends nothing more.
 */
export function rawExchange(url: string, head: string, body = ""): { socket: Socket; response: Promise<RawResponse> } {
  const socket = connect(endpoint(url))
  const chunks: Array<Buffer> = []
  const response = new Promise<RawResponse>((resolve, reject) => {
    socket.on("data", (d: Buffer) => chunks.push(d))
    socket.on("error", (e) => (chunks.length > 0 ? resolve(parse(Buffer.concat(chunks).toString("latin1"))) : reject(e)))
    socket.on("close", () => {
      try {
        resolve(parse(Buffer.concat(chunks).toString("latin1")))
      } catch (e) {
        reject(e)
      }
    })
  })
  socket.write(head + body)
  return { socket, response }
}

/** One request with `Connection: close`; `headers` are raw `Name: value` pairs. */
export function rawRequest(url: string, request: {
  readonly method?: string
  readonly path: string
  readonly host: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}): Promise<RawResponse> {
  const body = request.body ?? ""
  const lines = [`${request.method ?? "GET"} ${request.path} HTTP/1.1`, `Host: ${request.host}`, "Connection: close"]
  for (const [k, v] of Object.entries(request.headers ?? {})) lines.push(`${k}: ${v}`)
  if (request.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
  const { socket, response } = rawExchange(url, `${lines.join("\r\n")}\r\n\r\n`, body)
  return response.finally(() => socket.destroy())
}
