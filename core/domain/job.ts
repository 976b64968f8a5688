/**
 * @module
 * A job as the engine sees it once a source has discovered it: a normalised
 * list of steps (a single `command`, numbered scripts, or a `steps:` DAG all
 * become steps), its argspec and its execution settings.
 */
import * as Schema from "effect/Schema"
import { ArgSpec } from "./argspec.ts"

/**
 * One step of a job. `argv[0]` is a program or a path relative to the job
 * directory; no shell ever sees argument values.
 *
 * @since 0.1.0
 * @category models
 */
export const Step = Schema.Struct({
  id: Schema.String,
  argv: Schema.Array(Schema.String),
  needs: Schema.Array(Schema.String)
})
/** @since 0.1.0 @category models */
export type Step = typeof Step.Type

/**
 * A problem found while discovering a source's tree; reported per path while
 * every other job keeps working.
 *
 * @since 0.1.0
 * @category models
 */
export const Diagnostic = Schema.Struct({
  level: Schema.Literal("error", "warning"),
  code: Schema.String,
  path: Schema.String,
  message: Schema.String
})
/** @since 0.1.0 @category models */
export type Diagnostic = typeof Diagnostic.Type

/**
 * The parts of an OCI image config (`config` of the image configuration
 * JSON) a sandbox honours. Field names keep the OCI spelling.
 *
 * @since 0.1.0
 * @category models
 */
export const JobImageConfig = Schema.Struct({
  Env: Schema.optional(Schema.Array(Schema.String)),
  WorkingDir: Schema.optional(Schema.String),
  User: Schema.optional(Schema.String)
})
/** @since 0.1.0 @category models */
export type JobImageConfig = typeof JobImageConfig.Type

/**
 * A job as a source plugin hands it to the engine (ids local to the source).
 *
 * @since 0.1.0
 * @category models
 */
export const JobDefinition = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  summary: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  dir: Schema.String,
  steps: Schema.Array(Step),
  argspec: ArgSpec,
  env: Schema.Record({ key: Schema.String, value: Schema.String }),
  timeout_ms: Schema.optional(Schema.Number),
  security_profile: Schema.optional(Schema.String),
  executor: Schema.optional(Schema.String),
  /** Directory a sandbox uses as `/` (add-on jobs: the unpacked image). */
  rootfs: Schema.optional(Schema.String),
  /** The image's `Env`, `WorkingDir` and `User`, for a sandbox over `rootfs`. */
  image_config: Schema.optional(JobImageConfig),
  concurrency: Schema.optional(Schema.Int),
  warnings: Schema.Array(Schema.String)
})
/** @since 0.1.0 @category models */
export type JobDefinition = typeof JobDefinition.Type

/**
 * A job in the catalogue: its definition plus the id it is exposed under and
 * the source it came from. The catalogue's jobs are public: a secret's
 * default in `argspec` is `***` (core/engine/public-view.ts).
 *
 * @since 0.1.0
 * @category models
 */
export const Job = Schema.Struct({
  ...JobDefinition.fields,
  local_id: Schema.String,
  source: Schema.String
})
/** @since 0.1.0 @category models */
export type Job = typeof Job.Type
