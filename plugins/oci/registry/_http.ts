/**
 * @module
 * The request/response shapes the registry transports pass along, and the
 * small helpers they share. A transport is a function; auth, retry,
 * redirects and the user agent are wrappers around it, stacked like
 * go-containerregistry's `transport` package.
 */
import type { Readable } from "node:stream"
import { codeOf, messageOf, RegistryError } from "../errors.ts"
import type { RedirectRule, RequestKind } from "./redirect-rule.ts"

/** @since 0.1.0 @category models */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * A request to a registry. `body` as bytes can be replayed (retries, auth
 * round trips); a stream factory is sent once.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpRequest {
  readonly method: HttpMethod
  readonly url: URL
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Uint8Array | { readonly stream: () => Readable; readonly length: number }
  /** Token scopes the request needs (`repository:a/b:pull`); the auth wrapper asks for them. */
  readonly scopes?: ReadonlyArray<string>
  readonly signal?: AbortSignal
  /** What the request is for; the redirect rule decides by it. */
  readonly kind?: RequestKind
  /** Asked before a redirect to another host is followed. Absent: followed. */
  readonly redirect?: RedirectRule
  /** When the caller gives up (ms since the epoch): a retry that would wait past it is not made. */
  readonly deadline?: number
}

/**
 * A registry's answer. Its `body` must be consumed or destroyed.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: Readable
  /** Where the answer came from, after redirects. */
  readonly url: URL
}

/** @since 0.1.0 @category models */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>

/** A header's single value (the first when repeated). */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()]
  return typeof v === "string" ? v : v?.[0]
}

/** All values of a header, for ones that may repeat (`WWW-Authenticate`, `Link`). */
export function headerValues(res: HttpResponse, name: string): ReadonlyArray<string> {
  const v = res.headers[name.toLowerCase()]
  return v === undefined ? [] : typeof v === "string" ? [v] : v
}

/** Throws away a body we do not need so the connection can be reused. */
export function discard(res: HttpResponse): void {
  res.body.on("error", () => {})
  res.body.resume()
  // A large body is not worth draining; destroying it closes the socket instead.
  const length = Number(header(res, "content-length") ?? "0")
  if (!(length <= 65536)) res.body.destroy()
}

/** True when the request body can be sent again. */
export function replayable(req: HttpRequest): boolean {
  return req.body === undefined || req.body instanceof Uint8Array
}

/** A copy of the request with one header set (or removed, for `undefined`), names lowercased. */
export function withHeader(req: HttpRequest, name: string, value: string | undefined): HttpRequest {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers ?? {})) if (k.toLowerCase() !== name.toLowerCase()) headers[k.toLowerCase()] = v
  if (value !== undefined) headers[name.toLowerCase()] = value
  return { ...req, headers }
}

/**
 * Reads a whole body, failing with `too-large` past `max` bytes (and before
 * reading anything when `Content-Length` already says so).
 */
export async function readBounded(res: HttpResponse, max: number, ref?: string): Promise<Buffer> {
  const declared = header(res, "content-length")
  const tooLarge = (n: string) =>
    new RegistryError({ reason: "too-large", detail: `response is larger than the ${max}-byte limit (${n})`, status: res.status, ref })
  if (declared !== undefined && Number(declared) > max) {
    res.body.destroy()
    throw tooLarge(`Content-Length ${declared}`)
  }
  const chunks: Array<Buffer> = []
  let total = 0
  try {
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length
      if (total > max) {
        res.body.destroy()
        throw tooLarge(`more than ${max} bytes received`)
      }
      chunks.push(chunk as Buffer)
    }
  } catch (e) {
    if (e instanceof RegistryError) throw e
    throw networkError(e, ref)
  }
  return Buffer.concat(chunks)
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"])

/** Whether a thrown error is the caller giving up (not to be retried). */
export function isAbort(e: unknown): boolean {
  const code = codeOf(e)
  return (typeof e === "object" && e !== null && "name" in e && e.name === "AbortError") || code === "UND_ERR_ABORTED" || code === "ABORT_ERR"
}

/** Maps a thrown network error to a `RegistryError` (`timeout` or `network`). */
export function networkError(e: unknown, ref?: string): RegistryError {
  if (e instanceof RegistryError) return e
  const code = codeOf(e)
  const detail = `${messageOf(e)}${code !== undefined ? ` [${code}]` : ""}`
  return new RegistryError({
    reason: code !== undefined && TIMEOUT_CODES.has(code) ? "timeout" : "network",
    detail,
    ref,
    cause: e
  })
}

/** Waits, or stops early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener("abort", onAbort, { once: true })
  })
}
