/**
 * @module
 * What a request is for and the rule deciding its redirects to another
 * host: the vocabulary both the transport (`_http.ts`) and the per-caller
 * scope (`request-scope.ts`) speak, in a file of its own so neither
 * imports the other back.
 */

/**
 * What a request is for. Blob downloads are often redirected to object
 * storage; the other kinds name content a registry serves itself.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestKind = "manifest" | "blob" | "tags" | "ping" | "token"

/**
 * One redirect to another host, before it is followed.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedirectHop {
  /** Absent for requests that do not say (uploads). */
  readonly kind: RequestKind | undefined
  readonly method: string
  /** The URL first asked for: its host is the registry. */
  readonly origin: URL
  readonly from: URL
  readonly to: URL
}

/**
 * Decides a redirect to a host other than the registry's: null follows it,
 * a string refuses it and says why.
 *
 * @since 0.1.0
 * @category models
 */
export type RedirectRule = (hop: RedirectHop) => string | null
