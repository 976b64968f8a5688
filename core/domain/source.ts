/**
 * @module
 * Sources: what a user asks to add (a spec), and what the engine records.
 */
import * as Schema from "effect/Schema"
import { Diagnostic } from "./job.ts"

/**
 * Source names: lowercase, digits, `.`, `_`, `-`; they prefix job ids.
 *
 * @since 0.1.0
 * @category models
 */
export const SourceName = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
    message: () => "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
  })
)

/** The name of the root job tree, whose jobs keep bare ids. */
export const DEFAULT_SOURCE = "default"

/**
 * What is asked for: a type, a name, and the plugin's own fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourceSpec {
  readonly type: string
  readonly name: string
  readonly [field: string]: unknown
}

/**
 * When a source whose kind re-resolves (its plugin has `resolve`) asks
 * again what its spec names: `on-add` (when added or refreshed), `on-startup`
 * (also at each engine start), `on-run` (at the first use after a start),
 * `always` (at every use). Applied by core, the same for every kind; a
 * spec field `pull_policy` of this Schema selects it (default `on-add`).
 *
 * @since 0.2.0
 * @category models
 */
export const PullPolicy = Schema.Literal("on-add", "on-startup", "on-run", "always")
/** @since 0.2.0 @category models */
export type PullPolicy = typeof PullPolicy.Type

/** @since 0.1.0 @category models */
export const SourceStatus = Schema.Literal("loading", "ready", "failed")
/** @since 0.1.0 @category models */
export type SourceStatus = typeof SourceStatus.Type

/**
 * A source as the engine keeps it.
 *
 * @since 0.1.0
 * @category models
 */
export const SourceRecord = Schema.Struct({
  name: Schema.String,
  type: Schema.String,
  spec: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  status: SourceStatus,
  provenance: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** What the spec resolved to (a digest, a commit), encoded with the plugin's `pin` Schema; absent for kinds that do not re-resolve. */
  pin: Schema.optional(Schema.Unknown),
  error: Schema.NullOr(Schema.Struct({ code: Schema.String, detail: Schema.String })),
  job_count: Schema.Number,
  diagnostics: Schema.Array(Diagnostic),
  created_at: Schema.String,
  updated_at: Schema.String
})
/** @since 0.1.0 @category models */
export type SourceRecord = typeof SourceRecord.Type
