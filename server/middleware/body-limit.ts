/**
 * @module
 * The request body limit (default 1 MiB) and read timeout (default 30 s). A
 * declared `Content-Length` over the limit is refused before a byte is
 * read; a chunked body is counted while it is read (`readBody`) and refused
 * as soon as it passes the limit, so an oversized upload is never buffered.
 * A body that stops arriving (a `Content-Length` larger than what is sent)
 * is refused with 408 once the read timeout passes, so a stalled client
 * holds no handler, on any runtime.
 */
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../context.ts"
import { HttpError } from "../problem.ts"

/** The default limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

/** The default time a client has to send its request: 30 s. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000

/** The 413 for a body over `limit` bytes. */
export function tooLarge(limit: number): HttpError {
  return new HttpError("request.too.large", `The request body exceeds the limit of ${limit} bytes`)
}

/**
 * Refuses requests whose declared length exceeds `limit`.
 *
 * @since 0.1.0
 * @category middleware
 * @example
 * ```ts
 * app.use(bodyLimit(64 * 1024))
 * ```
 */
export function bodyLimit(limit: number = DEFAULT_BODY_LIMIT): MiddlewareHandler<AppEnv> {
  return async function bodyLimit(c, next) {
    const declared = c.req.header("content-length")
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
      const n = Number(declared)
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new HttpError("request.malformed", "The Content-Length header is not a byte count")
      }
      if (n > limit) throw tooLarge(limit)
    }
    await next()
  }
}

/** The 408 for a request not received within `ms`; the connection is not reused. */
export function readTimedOut(ms: number): HttpError {
  return new HttpError("request.timeout", `The request was not received within ${ms} ms`, { headers: { connection: "close" } })
}

/**
 * Reads a request body up to `limit` bytes, failing with 413 as soon as it
 * grows past it, and with 408 when it is not complete within `timeoutMs`.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function readBody(request: Request, limit: number, timeoutMs: number = DEFAULT_READ_TIMEOUT_MS): Promise<Uint8Array> {
  if (declaredWithin(request, limit)) return readDeclared(request, limit, timeoutMs)
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)))
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late])
      if (next === "late") {
        await reader.cancel().catch(() => undefined)
        throw readTimedOut(timeoutMs)
      }
      const { done, value } = next
      if (done) break
      size += value.byteLength
      if (size > limit) {
        await reader.cancel().catch(() => undefined)
        throw tooLarge(limit)
      }
      chunks.push(value)
    }
  } finally {
    clearTimeout(timer)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

// A body whose length is declared (and within the limit) cannot grow past
// it: the HTTP parser stops there. Such a body is read whole, which lets
// the runtime hand over its buffered bytes without building a web stream
// (`@hono/node-server` reads the socket directly); chunked bodies are
// counted as they arrive instead.
function declaredWithin(request: Request, limit: number): boolean {
  const declared = request.headers.get("content-length")
  if (declared === null || request.headers.get("transfer-encoding") !== null) return false
  const n = Number(declared)
  return Number.isSafeInteger(n) && n >= 0 && n <= limit
}

async function readDeclared(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  const read = request.arrayBuffer()
  // Read on after a timeout only to be dropped with the connection.
  read.catch(() => undefined)
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)))
  try {
    const body = await Promise.race([read, late])
    if (body === "late") throw readTimedOut(timeoutMs)
    // An in-process `Request` is not held to its header by a parser.
    if (body.byteLength > limit) throw tooLarge(limit)
    return new Uint8Array(body)
  } finally {
    clearTimeout(timer)
  }
}
