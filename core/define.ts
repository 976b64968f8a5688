/**
 * @module
 * Helpers for plugin authors: typed identity functions that check a
 * definition's shape at compile time, the spec Schema builder, and the
 * error and provenance constructors that keep credentials out of records.
 */
import * as Schema from "effect/Schema"
import { type CoreProblemCode, type FieldError, problemCodes, type ProblemInfo, SourceError } from "./domain/errors.ts"
import { SourceName } from "./domain/source.ts"
import type { ExecutorPlugin, ProfilePlugin, SourcePlugin } from "./plugin.ts"

/**
 * Declares a source plugin; a plugin module default-exports the result.
 * Keep the definition light: heavy modules are `import()`ed inside `make`,
 * which the engine runs at the first use of the kind.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { defineSourcePlugin, sourceSpec, Effect } from "flwd"
 *
 * export default defineSourcePlugin({
 *   type: "static",
 *   spec: sourceSpec("static", {}),
 *   make: Effect.succeed({
 *     load: () => Effect.succeed({ root: "/", jobs: [], diagnostics: [], provenance: {} })
 *   })
 * })
 * ```
 */
export function defineSourcePlugin<Spec, Pin = never>(plugin: SourcePlugin<Spec, Pin>): SourcePlugin<Spec, Pin> {
  return plugin
}

/** @since 0.1.0 @category constructors */
export function defineProfilePlugin(plugin: ProfilePlugin): ProfilePlugin {
  return plugin
}

/** @since 0.1.0 @category constructors */
export function defineExecutorPlugin(plugin: ExecutorPlugin): ExecutorPlugin {
  return plugin
}

/**
 * Core's problem codes a source plugin fails with (`source.invalid` 422,
 * `source.not.allowed` 403, `source.failed` 502, …), so clients see one
 * vocabulary; a plugin's own codes (its `problems`) are allowed too, with
 * their entry passed as `problem`.
 *
 * @since 0.1.0
 * @category errors
 */
// `string & {}` keeps the literal codes offered by editors while admitting any string.
// deno-lint-ignore ban-types
export type SourceProblemCode = Extract<CoreProblemCode, `source.${string}` | `discovery.${string}`> | (string & {})

/** @since 0.1.0 @category models */
export interface SourceErrorOptions {
  /** Failing fields of the spec (`[{ path: "ref", message: "does not exist" }]`). */
  readonly errors?: ReadonlyArray<FieldError>
  /** The foreign error behind it; kept for logs, never sent to clients. */
  readonly cause?: unknown
  /**
   * The HTTP status the caller expects. It must be the status the code maps
   * to: a mismatch is a plugin bug, reported when the error is built.
   */
  readonly status?: number
  /** The entry of a plugin's own code (from its `problems`); core's codes need none. */
  readonly problem?: ProblemInfo
}

/**
 * Builds a `SourceError`. Its `status` follows from the code (see
 * `problemCodes`); credentials in URLs within `detail` are masked.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { sourceError } from "flwd"
 *
 * const e = sourceError("source.invalid", "ref v9 does not exist", { errors: [{ path: "ref", message: "does not exist" }] })
 * e.status // 422
 * ```
 */
export function sourceError(code: SourceProblemCode, detail: string, options: SourceErrorOptions = {}): SourceError {
  const entry: ProblemInfo | undefined = Object.hasOwn(problemCodes, code) ? problemCodes[code as CoreProblemCode] : options.problem
  if (entry === undefined) throw new TypeError(`sourceError: ${code} is not a core code and no problem entry was given`)
  if (options.status !== undefined && options.status !== entry.status) {
    throw new TypeError(`sourceError: ${code} maps to status ${entry.status}, not ${options.status}`)
  }
  return new SourceError({
    code,
    // The entry travels with the code: the typed path a plugin's own code takes (core's is its table's).
    problem: options.problem ?? entry,
    detail: maskCredentials(detail),
    ...(options.errors !== undefined ? { errors: options.errors.map((e) => ({ path: e.path, message: maskCredentials(e.message) })) } : {}),
    ...(options.cause !== undefined ? { cause: options.cause } : {})
  })
}

// `scheme://user:password@` and `scheme://token@`: everything between `//` and `@` in the authority.
const userinfo = /([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]+@/gi

/**
 * Masks credentials embedded in URLs anywhere in `text`
 * (`https://user:token@host/x` → `https://***@host/x`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function maskCredentials(text: string): string {
  return text.replace(userinfo, "$1***@")
}

/**
 * Builds a source's provenance (where its jobs came from: a URL, a ref, a
 * resolved commit or digest). String values have URL credentials masked,
 * since provenance is stored, listed and journaled.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { provenance } from "flwd"
 *
 * provenance({ type: "git", url: "https://u:t@git.example/r.git", ref: "main", commit: "4f2c…" })
 * // { type: "git", url: "https://***@git.example/r.git", ref: "main", commit: "4f2c…" }
 * ```
 */
export function provenance(fields: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = typeof value === "string" ? maskCredentials(value) : value
  }
  return out
}

/**
 * The Schema of a source spec: `type` (this plugin's type and aliases),
 * `name` (a source name) and the plugin's own `fields`. Unknown fields are
 * rejected, so a typo is an error naming the field, not a silent default.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { sourceSpec, Schema } from "flwd"
 *
 * const Spec = sourceSpec("http-archive", { url: Schema.String, sha256: Schema.String })
 * type Spec = typeof Spec.Type // { type: "http-archive"; name: string; url: string; sha256: string }
 * ```
 */
export function sourceSpec<const Type extends string, Fields extends Schema.Struct.Fields>(
  type: Type | readonly [Type, ...Array<string>],
  fields: Fields
) {
  const types = typeof type === "string" ? [type] as const : type
  return Schema.Struct({ type: Schema.Literal(...types), name: SourceName, ...fields }).annotations({
    parseOptions: { onExcessProperty: "error" }
  })
}
