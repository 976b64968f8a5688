/**
 * @module
 * The security headers of every `/ui` response: a strict
 * Content-Security-Policy (no inline script or style, nothing from other
 * origins, no framing), no referrer, and `no-store` for pages (assets set
 * their own long cache).
 */
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../context.ts"

/** The console's Content-Security-Policy. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/**
 * Adds the headers after the handler, so redirects, 403 and 404 pages get
 * them too.
 *
 * @since 0.1.0
 * @category middleware
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeaders(c, next) {
    await next()
    const h = c.res.headers
    h.set("content-security-policy", CSP)
    h.set("referrer-policy", "no-referrer")
    h.set("x-frame-options", "DENY")
    if (!h.has("cache-control")) h.set("cache-control", "no-store")
  }
}
