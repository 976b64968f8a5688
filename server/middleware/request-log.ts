/**
 * @module
 * One log line per request (method, path, status, duration, request id) and
 * the request id on every answer as `x-request-id`, so a client's report and
 * the server's log meet on one value. A caller's id (a proxy's, say) is kept
 * when it is sane, so one id follows a request across hops; anything else is
 * replaced rather than echoed into the log.
 */
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../context.ts"
import type { Logger } from "../logger.ts"

/** Ids a caller may choose: short, printable, no spaces or quotes to forge log fields with. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The caller's `x-request-id` when sane, else a fresh one.
 *
 * @since 0.1.0
 * @category utils
 */
export function requestId(incoming: string | undefined): string {
  return incoming !== undefined && SANE_ID.test(incoming) ? incoming : crypto.randomUUID()
}

/**
 * @since 0.1.0
 * @category middleware
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const id = requestId(c.req.header("x-request-id"))
    const start = performance.now()
    try {
      await next()
    } finally {
      // Set after the handler, so no route's headers replace it; a response
      // with immutable headers (a proxied one) goes without.
      try {
        c.res.headers.set("x-request-id", id)
      } catch {
        // logged below all the same
      }
      const status = c.res.status
      const duration_ms = Math.round((performance.now() - start) * 10) / 10
      logger.log(status >= 500 ? "error" : "info", `${c.req.method} ${c.req.path} ${status} ${duration_ms} ms`, {
        request_id: id,
        method: c.req.method,
        path: c.req.path,
        status,
        duration_ms
      })
    }
  }
}
