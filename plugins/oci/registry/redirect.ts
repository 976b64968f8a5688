/**
 * @module
 * Follows redirects by hand. Blob downloads are usually redirected to object
 * storage on another host, which must never see the registry credentials, so
 * `Authorization` is dropped as soon as the origin changes (RFC 9110 §15.4
 * leaves this to the client; Docker and go-containerregistry do the same).
 * A hop to another host is followed only when the request's redirect rule
 * (`RequestScope.redirect`) does not refuse it: the caller decides which
 * hosts its content may come from.
 */
import type { HttpRequest, Transport } from "./_http.ts"
import { discard, header, replayable, withHeader } from "./_http.ts"
import { checkScheme } from "./endpoint.ts"
import { RegistryError } from "../errors.ts"

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * Options of the redirect wrapper.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedirectOptions {
  /** Most redirects followed for one request. Default 10. */
  readonly max?: number
  /** Hosts that may be reached over plain http besides loopback. Default none. */
  readonly insecure?: ReadonlyArray<string>
}

/**
 * Wraps a transport so it follows redirects without leaking `Authorization`.
 *
 * @since 0.1.0
 * @category wrappers
 */
export function withRedirects(next: Transport, options: RedirectOptions = {}): Transport {
  const max = options.max ?? 10
  const insecure = options.insecure ?? []
  return async (original) => {
    let req: HttpRequest = original
    for (let hop = 0;; hop++) {
      const res = await next(req)
      const location = header(res, "location")
      if (!REDIRECTS.has(res.status) || location === undefined) return res
      discard(res)
      if (hop >= max) {
        throw new RegistryError({ reason: "protocol", detail: `more than ${max} redirects`, status: res.status, ref: original.url.host })
      }
      const target = new URL(location, req.url)
      checkScheme(target, insecure, "a redirect")
      if (target.host !== original.url.host && req.redirect !== undefined) {
        const refused = req.redirect({ kind: req.kind, method: req.method, origin: original.url, from: req.url, to: target })
        if (refused !== null) {
          throw new RegistryError({
            reason: "redirect-refused",
            detail: `${req.method} ${original.url.href} was redirected to ${target.host}: ${refused}`,
            status: res.status,
            ref: target.host
          })
        }
      }
      // 303, and 301/302 after POST, turn into a GET without a body (RFC 9110 §15.4.2-4).
      const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === "POST")
      if (!toGet && !replayable(req)) return res
      let nextReq: HttpRequest = { ...req, url: target }
      if (toGet) nextReq = { ...nextReq, method: req.method === "HEAD" ? "HEAD" : "GET", body: undefined }
      if (target.origin !== original.url.origin) nextReq = withHeader(nextReq, "authorization", undefined)
      req = nextReq
    }
  }
}
