/**
 * @module
 * Problem documents for the answers Node gives before the app sees a
 * request: a malformed request line or header (400), headers over Node's
 * limit (431), a request not received within `requestTimeout` (408), and
 * requests `@hono/node-server` cannot turn into a `Request` (a `Host` no
 * URL can be built from). Node's defaults answer these with an empty body;
 * clients of this API expect `application/problem+json` for every error.
 */
import { RequestError } from "@hono/node-server"
import { STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"
import { type CoreProblemCode as ProblemCode, problemCodes } from "../../core/mod.ts"
import { PROBLEM_TYPE } from "../problem.ts"

// Node's parser and timeout codes; anything else the parser reports is a 400.
const answers: Readonly<Record<string, readonly [ProblemCode, string]>> = {
  HPE_HEADER_OVERFLOW: ["request.headers.too.large", "The request headers exceed the server's limit"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ["request.too.large", "The chunk extensions exceed the server's limit"],
  ERR_HTTP_REQUEST_TIMEOUT: ["request.timeout", "The request was not received in time"]
}

/** How long a refused connection may linger for the client to read the answer. */
const LINGER_MS = 2000

const lingering = new WeakSet<Duplex>()

/** The JSON of a problem with no request to name as its `instance`. */
export function problemJson(code: ProblemCode, detail: string): string {
  const { status, title } = problemCodes[code]
  return JSON.stringify({ type: `urn:flwd:problem:${code}`, title, status, detail, code })
}

/**
 * The `clientError` listener: writes the raw problem response when nothing
 * has been written on the socket yet, then closes it (at most 2 s later).
 * Parse errors never echo what the client sent.
 *
 * @since 0.1.0
 * @category adapters
 */
export function answerClientError(error: Error & { readonly code?: string }, socket: Duplex): void {
  // Node's parser reports every further chunk of a lingering connection again.
  if (lingering.has(socket)) return
  // A reset connection has no one to answer.
  if (error.code === "ECONNRESET" || !socket.writable || (socket as Duplex & { bytesWritten?: number }).bytesWritten !== 0) {
    socket.destroy()
    return
  }
  const [code, detail] = answers[error.code ?? ""] ?? ["request.malformed", "The request is not valid HTTP/1.1"]
  const body = problemJson(code, detail)
  const status = problemCodes[code].status
  socket.end([
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
    `content-type: ${PROBLEM_TYPE}`,
    `content-length: ${new TextEncoder().encode(body).byteLength}`,
    "cache-control: no-store",
    "x-content-type-options: nosniff",
    "connection: close",
    "",
    body
  ].join("\r\n"))
  // A lingering close: read and drop what the client still sends, so closing
  // with unread data does not reset the connection before it reads the answer.
  lingering.add(socket)
  socket.resume()
  setTimeout(() => socket.destroy(), LINGER_MS).unref()
}

/**
 * The `@hono/node-server` error handler: a request it cannot build (its
 * `RequestError`) is 400 `request.malformed`.
 *
 * @since 0.1.0
 * @category adapters
 */
export function answerRequestError(error: unknown): Response {
  const [code, detail]: readonly [ProblemCode, string] = error instanceof RequestError
    ? ["request.malformed", "The request target or Host header is not valid"]
    : ["internal", "The server failed to handle the request"]
  return new Response(problemJson(code, detail), {
    status: problemCodes[code].status,
    headers: { "content-type": PROBLEM_TYPE, "cache-control": "no-store", "x-content-type-options": "nosniff" }
  })
}
