/**
 * @module
 * The one place the client speaks HTTP: a base URL, the bearer token, JSON
 * in and out, and problem documents turned into core's tagged errors. It
 * uses only web standards (`fetch`, `URL`, `ReadableStream`), so it runs on
 * Node and Deno alike, and a test can hand it any `fetch`.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type EngineError, ValidationError } from "../core/mod.ts"
import { fromProblem, isProblemDocument } from "./problem-error.ts"
import { describeFailure, RemoteError } from "./remote-error.ts"

/** @since 0.1.0 @category models */
export interface HttpOptions {
  /** The server's base URL; a path prefix is kept (an app mounted under `/flwd/`). */
  readonly url: string
  /** Sent as `Authorization: Bearer <token>`. Default none. */
  readonly token?: string | undefined
  /** Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch | undefined
}

/** @since 0.1.0 @category models */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  /** The parsed JSON body; `undefined` for an empty one (204). */
  readonly body: unknown
}

/** @since 0.1.0 @category models */
export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>
  /** Sent as JSON. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A small JSON client of one server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Http {
  /** The base URL as shown in messages. */
  readonly display: string
  readonly request: (method: string, path: string, options?: RequestOptions) => Effect.Effect<Reply, EngineError | RemoteError>
  /** Opens a streaming response; closing the scope closes the connection. */
  readonly open: (
    path: string,
    query: Readonly<Record<string, string | undefined>>
  ) => Effect.Effect<ReadableStream<Uint8Array>, EngineError | RemoteError, Scope.Scope>
}

/**
 * Checks a base URL: `http:` or `https:`, no credentials (those go in the
 * token), no query. Fails with `validation.failed` on `--remote`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseBaseUrl(text: string): URL {
  const invalid = (message: string) =>
    new ValidationError({ code: "validation.failed", detail: `--remote ${message}`, errors: [{ path: "--remote", message }] })
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalid("must be a URL such as http://127.0.0.1:8080")
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid("must be an http:// or https:// URL")
  if (url.username !== "" || url.password !== "") throw invalid("must not hold credentials; pass the token with --token or FLWD_TOKEN")
  if (url.search !== "" || url.hash !== "") throw invalid("must not have a query or fragment")
  return url
}

/**
 * Percent-encodes one path parameter (slashes included). A `.` or `..`
 * would be resolved away by the URL parser and address another resource,
 * so such values are refused by the caller first (`isDotSegment`).
 */
export function segment(value: string): string {
  return encodeURIComponent(value)
}

/** True for values a URL cannot carry as a path segment. */
export function isDotSegment(value: string): boolean {
  return value === "" || value === "." || value === ".."
}

/** Reads a body as text; a connection that breaks meanwhile is `dropped`. */
function text(response: Response, where: string): Effect.Effect<string, RemoteError> {
  return Effect.tryPromise({
    try: () => response.text(),
    catch: (cause) => new RemoteError({ reason: "dropped", detail: `${where}: ${describeFailure(cause)}`, cause })
  })
}

/** A non-2xx answer: the problem it carries, else a protocol error naming the status. */
function failure(response: Response, body: string, where: string): EngineError | RemoteError {
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    doc = undefined
  }
  if (isProblemDocument(doc)) return fromProblem(doc)
  return new RemoteError({ reason: "protocol", detail: `${where} answered ${response.status} ${response.statusText} without a problem document` })
}

/**
 * Builds the client. Throws `validation.failed` for a malformed URL.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeHttp(options: HttpOptions): Http {
  const base = parseBaseUrl(options.url)
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, "")}`
  const doFetch = options.fetch ?? globalThis.fetch
  const auth: Record<string, string> = options.token !== undefined && options.token !== "" ? { authorization: `Bearer ${options.token}` } : {}

  const urlOf = (path: string, query: Readonly<Record<string, string | undefined>> = {}) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v)
    const qs = params.toString()
    return `${prefix}${path}${qs === "" ? "" : `?${qs}`}`
  }

  const send = (method: string, url: string, init: RequestInit) =>
    Effect.tryPromise({
      try: (signal) => doFetch(url, { signal, ...init, method }),
      // The request never got an answer: name the server, not the path, and never the token.
      catch: (cause) => new RemoteError({ reason: "unreachable", detail: `cannot reach ${prefix}: ${describeFailure(cause)}`, cause })
    })

  const request: Http["request"] = (method, path, o = {}) =>
    Effect.gen(function* () {
      const headers: Record<string, string> = { accept: "application/json", ...auth, ...o.headers }
      if (o.body !== undefined) headers["content-type"] = "application/json"
      const url = urlOf(path, o.query)
      const where = `${method} ${prefix}${path}`
      const response = yield* send(method, url, { headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) })
      const raw = yield* text(response, where)
      if (!response.ok) return yield* Effect.fail(failure(response, raw, where))
      if (raw.trim() === "") return { status: response.status, headers: response.headers, body: undefined }
      try {
        return { status: response.status, headers: response.headers, body: JSON.parse(raw) as unknown }
      } catch {
        return yield* new RemoteError({ reason: "protocol", detail: `${where} answered ${response.status} with a body that is not JSON` })
      }
    })

  const open: Http["open"] = (path, query) =>
    Effect.gen(function* () {
      // Closing the scope (the stream ended or its consumer stopped) aborts the connection.
      const controller = yield* Effect.acquireRelease(Effect.sync(() => new AbortController()), (c) => Effect.sync(() => c.abort()))
      const where = `GET ${prefix}${path}`
      const response = yield* send("GET", urlOf(path, query), {
        headers: { accept: "application/x-ndjson", ...auth },
        signal: controller.signal
      })
      if (!response.ok) return yield* Effect.fail(failure(response, yield* text(response, where), where))
      if (response.body === null) return yield* new RemoteError({ reason: "protocol", detail: `${where} answered without a body` })
      return response.body
    })

  return { display: prefix, request, open }
}
