/**
 * @module
 * The request body limit (default 1 MiB). A declared `Content-Length` over
 * the limit is refused before a byte is read; a chunked body is counted
 * while it is read (`readBody`) and refused as soon as it passes the limit,
 * so an oversized upload is never buffered.
 */
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../context.ts"
import { HttpError } from "../problem.ts"

/** The default limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

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

/**
 * Reads a request body up to `limit` bytes, failing with 413 as soon as it
 * grows past it.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}
