/**
 * @module
 * Runs and the events they journal.
 */
import * as Schema from "effect/Schema"
import { Plan } from "./plan.ts"

/** @since 0.1.0 @category models */
export const RunStatus = Schema.Literal("queued", "running", "succeeded", "failed", "canceled")
/** @since 0.1.0 @category models */
export type RunStatus = typeof RunStatus.Type

/** Statuses after which a run never changes again. */
export const terminalStatuses: ReadonlyArray<RunStatus> = ["succeeded", "failed", "canceled"]

/** @since 0.1.0 @category models */
export const Run = Schema.Struct({
  id: Schema.String,
  job_id: Schema.String,
  source: Schema.String,
  status: RunStatus,
  profile: Schema.String,
  args: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  exit_code: Schema.NullOr(Schema.Number),
  error: Schema.NullOr(Schema.Struct({ code: Schema.String, detail: Schema.String })),
  created_at: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  plan: Plan
})
/** @since 0.1.0 @category models */
export type Run = typeof Run.Type

/**
 * Event types. Run events carry `run_id`; source and policy events may not.
 *
 * @since 0.1.0
 * @category models
 */
export const EventType = Schema.Literal(
  "run.queued",
  "run.started",
  "step.started",
  "log",
  "step.finished",
  "run.finished",
  "run.failed",
  "run.canceled",
  "policy.decision",
  "source.added",
  "source.updated",
  "source.pulled",
  "source.removed",
  "source.failed"
)
/** @since 0.1.0 @category models */
export type EventType = typeof EventType.Type

/** Event types that end a run's stream. */
export const terminalEventTypes: ReadonlyArray<EventType> = ["run.finished", "run.failed", "run.canceled"]

/**
 * A journaled event. `id` increases across the whole journal, so it orders
 * events of one run and resumes any stream (`Last-Event-ID`).
 *
 * @since 0.1.0
 * @category models
 */
export const RunEvent = Schema.Struct({
  id: Schema.Number,
  run_id: Schema.NullOr(Schema.String),
  type: EventType,
  at: Schema.String,
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
/** @since 0.1.0 @category models */
export type RunEvent = typeof RunEvent.Type

/** An event before the journal gives it an id. */
export type NewEvent = Omit<RunEvent, "id">
