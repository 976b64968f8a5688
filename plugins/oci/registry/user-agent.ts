/**
 * @module
 * Sets `User-Agent` on every request, token requests and redirects included
 * (go-containerregistry `transport/useragent.go`).
 */
import type { Transport } from "./_http.ts"
import { withHeader } from "./_http.ts"

/** The default user agent. @since 0.1.0 @category constants */
export const defaultUserAgent = "flwd/0.1.0"

/**
 * Wraps a transport so every request carries `userAgent`.
 *
 * @since 0.1.0
 * @category wrappers
 */
export function withUserAgent(next: Transport, userAgent: string = defaultUserAgent): Transport {
  return (req) => next(withHeader(req, "user-agent", userAgent))
}
