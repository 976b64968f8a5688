/**
 * @module
 * The request and response shapes of the HTTP API, as Schemas: requests
 * are decoded with them, and `/openapi.json` is generated from them and
 * from the domain Schemas in `core/domain`.
 */
import * as Schema from "effect/Schema"
import { ArgObject, ArgSpec, Diagnostic, type PlanRequest, type ProblemCode, problemCodes, RunStatus, Step } from "../core/mod.ts"
import { HttpError } from "./problem.ts"

// JSON has no undefined: an optional field is either absent or valid.
const exact = { exact: true } as const

/**
 * The body of `POST /plans` and `POST /runs`.
 *
 * @since 0.1.0
 * @category models
 */
export const PlanBody = Schema.Struct({
  job: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), exact),
  job_id: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), exact),
  // Passed on as it came: an own `__proto__` key must reach the engine's check (see ArgObject).
  args: Schema.optionalWith(ArgObject, exact),
  source: Schema.optionalWith(Schema.Union(Schema.String, Schema.Struct({ name: Schema.String })), exact),
  profile: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), exact)
}).annotations({ identifier: "PlanBody", description: "`job` (or its alias `job_id`), the arguments, and optionally a source and a profile" })
/** @since 0.1.0 @category models */
export type PlanBody = typeof PlanBody.Type

/**
 * Turns a decoded body into the engine's request. `job` and `job_id` are
 * aliases: one of them is required, and both must agree when both are given.
 *
 * @since 0.1.0
 * @category constructors
 */
export function toPlanRequest(body: PlanBody, allowOverride: boolean): PlanRequest {
  if (body.job === undefined && body.job_id === undefined) {
    throw new HttpError("validation.failed", "The body names no job", { errors: [{ path: "job", message: "is required" }] })
  }
  if (body.job !== undefined && body.job_id !== undefined && body.job !== body.job_id) {
    throw new HttpError("validation.failed", "job and job_id name different jobs", {
      errors: [{ path: "job_id", message: "must equal job when both are given" }]
    })
  }
  const source = typeof body.source === "string" ? body.source : body.source?.name
  return {
    job: (body.job ?? body.job_id) as string,
    args: body.args ?? {},
    ...(source !== undefined ? { source } : {}),
    ...(body.profile !== undefined ? { profile: body.profile } : {}),
    allowOverride
  }
}

/**
 * The body of `POST /sources`: a type, a name and the plugin's own fields,
 * which the source plugin decodes (rejecting unknown ones).
 *
 * @since 0.1.0
 * @category models
 */
export const SourceBody = Schema.Struct(
  { type: Schema.String, name: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "SourceSpec", description: "`type`, `name` and the fields of that source type (local: path; oci: ref, trusted, pull_policy)" })

/**
 * Query of `GET /runs`.
 *
 * @since 0.1.0
 * @category models
 */
export const RunsQuery = Schema.Struct({
  job_id: Schema.optional(Schema.String),
  status: Schema.optional(RunStatus),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))),
  cursor: Schema.optional(Schema.String)
})

/**
 * Where a job of a non-default source comes from.
 *
 * @since 0.1.0
 * @category models
 */
export const JobSource = Schema.Struct({
  name: Schema.String,
  type: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String),
  provenance: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}).annotations({ identifier: "JobSource" })

/**
 * A job as `GET /jobs` lists it.
 *
 * @since 0.1.0
 * @category models
 */
export const JobSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  summary: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  local_id: Schema.String,
  source: JobSource,
  args_schema: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}).annotations({ identifier: "JobSummary" })
/** @since 0.1.0 @category models */
export type JobSummary = typeof JobSummary.Type

/**
 * A job as `GET /jobs/{id}` shows it.
 *
 * @since 0.1.0
 * @category models
 */
export const JobDetail = Schema.Struct({
  ...JobSummary.fields,
  local_id: Schema.String,
  argspec: ArgSpec,
  steps: Schema.Array(Step),
  timeout_ms: Schema.optional(Schema.Number),
  security_profile: Schema.optional(Schema.String),
  executor: Schema.optional(Schema.String),
  warnings: Schema.Array(Schema.String)
}).annotations({ identifier: "JobDetail" })

/** @since 0.1.0 @category models */
export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  version: Schema.String
}).annotations({ identifier: "Health" })

/** Diagnostics keep their shape; re-exported for the OpenAPI document. */
export { Diagnostic }

/**
 * An RFC 9457 problem document, as every error response carries it.
 *
 * @since 0.1.0
 * @category models
 */
export const ProblemSchema = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.String,
  code: Schema.Literal(...(Object.keys(problemCodes) as [ProblemCode, ...Array<ProblemCode>])),
  instance: Schema.String,
  errors: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))),
  fix: Schema.optional(Schema.String.annotations({ description: "How to fix it, for the codes that have a known remedy" }))
}).annotations({ identifier: "Problem", description: "RFC 9457 problem details with flwd's stable code" })
