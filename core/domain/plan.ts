/**
 * @module
 * A plan: everything a run will do, decided before anything runs. Plans are
 * pure values; secret values never appear in them (`***`).
 */
import * as Schema from "effect/Schema"
import { ArgSpec } from "./argspec.ts"
import { Step } from "./job.ts"

/**
 * What a plan asks for. `job_id` is accepted as an alias of `job`; `source`
 * narrows the lookup to one source.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlanRequest {
  readonly job: string
  readonly args?: Readonly<Record<string, unknown>>
  readonly source?: string
  readonly profile?: string
  /** Whether the caller may ask for a profile weaker than the effective default. */
  readonly allowOverride?: boolean
}

/**
 * How the executor will run the job, shown before it runs.
 *
 * @since 0.1.0
 * @category models
 */
export const ExecutorPreview = Schema.Struct({
  kind: Schema.String,
  available: Schema.Boolean,
  details: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
/** @since 0.1.0 @category models */
export type ExecutorPreview = typeof ExecutorPreview.Type

/** @since 0.1.0 @category models */
export const Plan = Schema.Struct({
  job_id: Schema.String,
  source: Schema.String,
  job: Schema.Struct({ name: Schema.String, summary: Schema.optional(Schema.String) }),
  args: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** The job's public argspec: a secret's default is `***` (core/engine/public-view.ts). */
  argspec: ArgSpec,
  profile: Schema.String,
  executor: ExecutorPreview,
  steps: Schema.Array(Step),
  timeout_ms: Schema.Number,
  provenance: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  warnings: Schema.Array(Schema.String)
})
/** @since 0.1.0 @category models */
export type Plan = typeof Plan.Type
