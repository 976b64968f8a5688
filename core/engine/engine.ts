/**
 * @module
 * The Engine service: the one façade the CLI and the server call. Each
 * method is a thin composition of the engine services; no entrypoint holds
 * logic of its own.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { EngineError, StoreError } from "../domain/errors.ts"
import type { Diagnostic, Job } from "../domain/job.ts"
import type { Plan, PlanRequest } from "../domain/plan.ts"
import type { Run, RunEvent } from "../domain/run.ts"
import type { SourceRecord, SourceSpec } from "../domain/source.ts"
import type { FollowOptions } from "./event-bus.ts"
import type { EventQuery, RunFilter, RunPage } from "./store.ts"

/** @since 0.1.0 @category models */
export interface JobView {
  readonly job: Job
  /** JSON Schema of the job's arguments. */
  readonly argsSchema: Readonly<Record<string, unknown>>
}

/** @since 0.1.0 @category models */
export interface SourceChange {
  readonly source: SourceRecord
  /** True when the name was new (201), false when an existing source was replaced (200). */
  readonly created: boolean
}

/** @since 0.1.0 @category models */
export interface IdempotentRun {
  readonly run: Run
  /** True when the key had already started this run (`Idempotent-Replay`). */
  readonly replayed: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Engine extends Context.Tag("flwd/engine/Engine")<Engine, {
  readonly jobs: () => Effect.Effect<ReadonlyArray<Job>, EngineError>
  readonly job: (id: string, source?: string) => Effect.Effect<JobView, EngineError>
  /** Discovery problems of every source, by path. */
  readonly diagnostics: () => Effect.Effect<ReadonlyArray<Diagnostic & { readonly source: string }>, EngineError>
  /** Ids of all jobs, for suggestions and completion. */
  readonly plan: (request: PlanRequest) => Effect.Effect<Plan, EngineError>
  readonly run: (request: PlanRequest) => Effect.Effect<Run, EngineError>
  readonly getRun: (id: string) => Effect.Effect<Run, EngineError>
  readonly runs: (filter: RunFilter) => Effect.Effect<RunPage, EngineError>
  readonly cancel: (id: string) => Effect.Effect<Run, EngineError>
  /** The run's journal, then live events, ending after its terminal event. */
  readonly runEvents: (id: string, after?: number) => Stream.Stream<RunEvent, EngineError>
  /** A page of the journal as it is now (no waiting): all events, or one run's. */
  readonly journal: (query: EventQuery) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  /** Every event of the engine (sources, policy decisions, runs), live, after `after`. */
  readonly events: (options: FollowOptions) => Stream.Stream<RunEvent, StoreError>
  readonly sources: () => Effect.Effect<ReadonlyArray<SourceRecord>, EngineError>
  readonly source: (name: string) => Effect.Effect<SourceRecord, EngineError>
  readonly addSource: (spec: SourceSpec) => Effect.Effect<SourceChange, EngineError>
  readonly removeSource: (name: string) => Effect.Effect<void, EngineError>
  readonly refreshSource: (name: string) => Effect.Effect<SourceRecord, EngineError>
  /** The effective default profile name and the names of all profiles. */
  readonly profiles: () => { readonly default: string; readonly available: ReadonlyArray<string> }
  /** Waits until no run is queued or running. */
  readonly awaitIdle: Effect.Effect<void>
  /**
   * Starts a run once per idempotency key: the same key with the same
   * request hash returns the first run, another hash fails with
   * `idempotency.conflict`.
   */
  readonly runIdempotent: (key: string, requestHash: string, request: PlanRequest) => Effect.Effect<IdempotentRun, EngineError>
  /** The id of the newest journaled event (0 when none), to follow only what comes next. */
  readonly latestEventId: Effect.Effect<number, StoreError>
}>() {}
