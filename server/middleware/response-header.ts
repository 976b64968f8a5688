/**
 * @module
 * Setting a header on a response a handler already made. Hono's
 * `c.header()` at that point rebuilds the response from its body stream,
 * which on `@hono/node-server` turns a string body that would have been
 * written in one go into a web stream piped to the socket: several times
 * the cost of the whole request for a small JSON answer. The response's
 * own headers are set instead; only a response whose headers are
 * immutable (one fetched from elsewhere) is rebuilt.
 */
import type { Context } from "hono"
import type { AppEnv } from "../context.ts"

/**
 * Sets `name` on the response of `c` after the handler ran.
 *
 * @since 0.1.0
 * @category middleware
 */
export function setResponseHeader(c: Context<AppEnv>, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    c.header(name, value)
  }
}
