/**
 * @module
 * Problem details (RFC 9457) for every error the server answers with. Engine
 * errors carry their `code` and `status`; errors that only exist at the HTTP
 * edge (auth, body limits, routing) are `HttpError`s with codes from the same
 * closed table, so clients see one vocabulary.
 */
import { type FieldError, isProblem, type ProblemCode, problemCodes, problemFix, problemInfo } from "../core/mod.ts"

/** The media type of every error body. */
export const PROBLEM_TYPE = "application/problem+json"

/**
 * An error raised by the HTTP layer itself, shaped like the engine's errors.
 *
 * @since 0.1.0
 * @category errors
 */
export class HttpError extends Error {
  readonly code: ProblemCode
  readonly detail: string
  readonly errors: ReadonlyArray<FieldError> | undefined
  /** Extra response headers (`WWW-Authenticate`, `Allow`). */
  readonly headers: Readonly<Record<string, string>>
  constructor(code: ProblemCode, detail: string, options: {
    readonly errors?: ReadonlyArray<FieldError>
    readonly headers?: Readonly<Record<string, string>>
  } = {}) {
    super(`${code}: ${detail}`)
    this.name = "HttpError"
    this.code = code
    this.detail = detail
    this.errors = options.errors
    this.headers = options.headers ?? {}
  }
  get status(): number {
    return (problemInfo(this) ?? problemCodes.internal).status
  }
  get title(): string {
    return (problemInfo(this) ?? problemCodes.internal).title
  }
}

/**
 * The JSON body of a problem response.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProblemDocument {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: ProblemCode
  readonly instance: string
  readonly errors?: ReadonlyArray<FieldError>
  /** A short "how to fix it", for the codes that have one (a source add's refusals). */
  readonly fix?: string
}

/**
 * Turns anything thrown into a problem document. Unknown throws become
 * `internal` with a fixed detail: stacks and messages of foreign errors may
 * carry paths or secrets, so they stay in the server's log.
 *
 * @since 0.1.0
 * @category constructors
 */
export function toProblem(error: unknown, instance: string): ProblemDocument {
  const code: ProblemCode = isProblem(error) ? error.code : "internal"
  const detail = isProblem(error) ? error.detail : "The server failed to handle the request"
  const errors = isProblem(error) && error.errors !== undefined && error.errors.length > 0 ? error.errors : undefined
  // A plugin's code: the entry its error carries (the engine attaches it from the assembled table).
  const info = (isProblem(error) ? problemInfo(error) : undefined) ?? problemCodes.internal
  const fix = problemFix({ code, detail, problem: info })
  return {
    // A URN names the problem type without promising a page to dereference.
    type: `urn:flwd:problem:${code}`,
    title: info.title,
    status: info.status,
    detail,
    code,
    instance,
    ...(errors !== undefined ? { errors: errors.map((e) => ({ path: e.path, message: e.message })) } : {}),
    ...(fix !== undefined ? { fix } : {})
  }
}

/**
 * The response for an error: status, `application/problem+json` body, and
 * the headers an `HttpError` asks for.
 *
 * @since 0.1.0
 * @category constructors
 */
export function problemResponse(error: unknown, instance: string): Response {
  const doc = toProblem(error, instance)
  const headers = new Headers({ "content-type": PROBLEM_TYPE, "cache-control": "no-store" })
  if (error instanceof HttpError) { for (const [k, v] of Object.entries(error.headers)) headers.set(k, v) }
  return new Response(JSON.stringify(doc), { status: doc.status, headers })
}
