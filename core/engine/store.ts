/**
 * @module
 * The persistence seam. Core declares it; `plugins/stores/sqlite` implements
 * it. The event journal is the source of truth for run history and replay.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { StoreError } from "../domain/errors.ts"
import type { NewEvent, Run, RunEvent, RunStatus } from "../domain/run.ts"
import type { SourceRecord } from "../domain/source.ts"

/** @since 0.1.0 @category models */
export interface RunFilter {
  readonly job_id?: string
  readonly status?: RunStatus
  /** At most 500; default 50. */
  readonly limit?: number
  /** Opaque cursor from a previous page's `next_cursor`. */
  readonly cursor?: string
}

/** @since 0.1.0 @category models */
export interface RunPage {
  readonly items: ReadonlyArray<Run>
  readonly next_cursor: string | null
}

/** @since 0.1.0 @category models */
export interface EventQuery {
  /** Only events of this run; all events when absent. */
  readonly run_id?: string
  /** Only events with an id greater than this. */
  readonly after?: number
  /** Default 1000. */
  readonly limit?: number
}

/** @since 0.1.0 @category models */
export interface IdempotencyRecord {
  readonly key: string
  readonly request_hash: string
  readonly run_id: string
  readonly created_at: string
}

/**
 * Durable state: sources, runs, the event journal and idempotency keys.
 * Every method is atomic.
 *
 * @since 0.1.0
 * @category tags
 */
export class Store extends Context.Tag("flwd/engine/Store")<Store, {
  readonly putSource: (record: SourceRecord) => Effect.Effect<void, StoreError>
  readonly getSource: (name: string) => Effect.Effect<SourceRecord | null, StoreError>
  readonly listSources: () => Effect.Effect<ReadonlyArray<SourceRecord>, StoreError>
  readonly removeSource: (name: string) => Effect.Effect<boolean, StoreError>
  /**
   * A value that differs from the one returned before whenever another
   * process may have changed the state (SQLite's `PRAGMA data_version`):
   * engines sharing the store poll it, and list the sources only when it
   * moved. A store without it has its sources listed on every poll.
   */
  readonly changeToken?: () => Effect.Effect<string, StoreError>

  readonly insertRun: (run: Run) => Effect.Effect<void, StoreError>
  readonly updateRun: (id: string, patch: Partial<Omit<Run, "id" | "plan">>) => Effect.Effect<Run, StoreError>
  readonly getRun: (id: string) => Effect.Effect<Run | null, StoreError>
  readonly listRuns: (filter: RunFilter) => Effect.Effect<RunPage, StoreError>
  /**
   * Marks every run still `queued` or `running` as `failed` with
   * `engine.restarted`, journals a `run.failed` event for each, and returns
   * their ids. Called once when the engine starts.
   */
  readonly failInterruptedRuns: (at: string) => Effect.Effect<ReadonlyArray<string>, StoreError>

  /** Appends events in one transaction and returns them with their ids. */
  readonly appendEvents: (events: ReadonlyArray<NewEvent>) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  readonly listEvents: (query: EventQuery) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  /** The id of the newest journaled event, 0 when the journal is empty. */
  readonly latestEventId: () => Effect.Effect<number, StoreError>

  readonly getIdempotency: (key: string) => Effect.Effect<IdempotencyRecord | null, StoreError>
  readonly putIdempotency: (record: IdempotencyRecord) => Effect.Effect<void, StoreError>
}>() {}
