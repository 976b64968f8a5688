/**
 * @module
 * The persistence seam. Core declares it; `plugins/stores/sqlite` implements
 * it. The event journal is the source of truth for run history and replay.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { StoreError } from "../domain/errors.ts"
import type { PlanRequest } from "../domain/plan.ts"
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
 * How a run is inserted. Both parts are optional: a plain insert records
 * a run this engine executes itself.
 *
 * @since 0.3.0
 * @category models
 */
export interface InsertRunOptions {
  /**
   * Insert the run only if this key is not taken yet, in the same
   * transaction: of several engines posting one key at once, exactly one
   * inserts its run. When the key is taken nothing is written and
   * `insertRun` returns the record that holds it.
   */
  readonly idempotency?: IdempotencyRecord
  /** Queue the run for any engine sharing the store (stores with a `queue` only). */
  readonly dispatch?: Dispatch
  /**
   * Events to journal in the same transaction (`run.queued`): they come
   * before any event another engine journals for the run once it can
   * claim it. Not journaled when the idempotency key is taken.
   */
  readonly events?: ReadonlyArray<NewEvent>
}

/**
 * What a queued run needs to be claimed and executed by another engine.
 *
 * @since 0.3.0
 * @category models
 */
export interface Dispatch {
  /**
   * The request to plan again on the engine that claims the run; its
   * arguments never include a secret. `null`: the run had secret
   * arguments, which never reach the store, so only the engine that
   * accepted it (`RunQueue.node`) may claim it.
   */
  readonly request: PlanRequest | null
  /** The job's concurrency key (source and job id), limited across every engine. */
  readonly job_key: string
  /** The job's concurrency limit; 0 for none. */
  readonly job_limit: number
}

/**
 * A run claimed from the queue, with what is needed to execute it.
 *
 * @since 0.3.0
 * @category models
 */
export interface ClaimedRun {
  readonly run: Run
  /** As queued (`Dispatch.request`). */
  readonly request: PlanRequest | null
}

/**
 * What asking to cancel a run found.
 *
 * @since 0.3.0
 * @category models
 */
export type CancelRequest =
  | { readonly _tag: "NotFound" }
  /** Over already; nothing was changed. */
  | { readonly _tag: "Over"; readonly run: Run }
  /** Queued and unclaimed: canceled in the store (record and `run.canceled` event). */
  | { readonly _tag: "Canceled"; readonly run: Run }
  /** Claimed by the engine `node`, which is asked to stop it (`cancelRequested`, a `Cancel` signal). */
  | { readonly _tag: "Requested"; readonly node: string }

/**
 * A wake-up from the store: something changed, possibly in another
 * process or on another host. Signals carry no state; the receiver reads
 * the store, which stays the truth. A signal may be lost (a dropped
 * connection): after a reconnect the store sends `Resync`, and receivers
 * poll slowly besides.
 *
 * @since 0.3.0
 * @category models
 */
export type StoreSignal =
  /** Events up to `latest` are journaled. */
  | { readonly _tag: "Events"; readonly latest: number }
  /** A run was queued, or returned to the queue. */
  | { readonly _tag: "Runs" }
  /** Someone asked to cancel this run. */
  | { readonly _tag: "Cancel"; readonly run_id: string }
  /** A source record was put or removed. */
  | { readonly _tag: "Sources" }
  /** Signals may have been missed: re-read everything. */
  | { readonly _tag: "Resync" }

/**
 * A queue of runs shared by every engine on the store: each run is claimed
 * by exactly one engine, under the engines' own concurrency and each job's
 * limit counted across all of them. Engines hold leases; the runs of one
 * whose lease runs out are failed (`engine.node.lost`) or returned to the
 * queue by the others.
 *
 * @since 0.3.0
 * @category models
 */
export interface RunQueue {
  /** This engine's id among those sharing the store; its lease. */
  readonly node: string
  /**
   * Claims up to `limit` queued runs, oldest first: runs any engine may
   * take, and those bound to this one. A run of a job at its limit across
   * all engines is left queued. Each run is claimed once, whoever asks.
   */
  readonly claim: (limit: number) => Effect.Effect<ReadonlyArray<ClaimedRun>, StoreError>
  /** Asks to cancel a run, whoever holds it; see `CancelRequest`. */
  readonly requestCancel: (id: string, at: string, reason: string) => Effect.Effect<CancelRequest, StoreError>
  /** Of `ids`, those someone asked to cancel. */
  readonly cancelRequested: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string>, StoreError>
  /**
   * Settles the runs of engines whose lease ran out: a run they had
   * started fails with `engine.node.lost` (record and `run.failed`
   * event); one they had claimed but not started returns to the queue,
   * unless only they could plan it (`Dispatch.request` null), when it
   * fails too. Returns the ids of the failed runs.
   */
  readonly reapLost: (at: string) => Effect.Effect<ReadonlyArray<string>, StoreError>
  /** How often `reapLost` should run: a fraction of the lease. */
  readonly reapEveryMs: number
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

  /**
   * Records a new run. Returns null, or, when `options.idempotency`'s key
   * is taken, the record holding it (and writes nothing).
   */
  readonly insertRun: (run: Run, options?: InsertRunOptions) => Effect.Effect<IdempotencyRecord | null, StoreError>
  readonly updateRun: (id: string, patch: Partial<Omit<Run, "id" | "plan">>) => Effect.Effect<Run, StoreError>
  readonly getRun: (id: string) => Effect.Effect<Run | null, StoreError>
  readonly listRuns: (filter: RunFilter) => Effect.Effect<RunPage, StoreError>
  /**
   * Marks every run still `queued` or `running` as `failed` with
   * `engine.restarted`, journals a `run.failed` event for each, and returns
   * their ids. Called once when the engine starts. Runs another live engine
   * holds are spared; on a store with a `queue`, so are unclaimed runs, and
   * claimed ones any engine can plan return to the queue instead.
   */
  readonly failInterruptedRuns: (at: string) => Effect.Effect<ReadonlyArray<string>, StoreError>

  /** Appends events in one transaction and returns them with their ids. */
  readonly appendEvents: (events: ReadonlyArray<NewEvent>) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  readonly listEvents: (query: EventQuery) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  /** The id of the newest journaled event, 0 when the journal is empty. */
  readonly latestEventId: () => Effect.Effect<number, StoreError>

  readonly getIdempotency: (key: string) => Effect.Effect<IdempotencyRecord | null, StoreError>
  readonly putIdempotency: (record: IdempotencyRecord) => Effect.Effect<void, StoreError>

  /**
   * Wake-ups for engines sharing the store (PostgreSQL's LISTEN/NOTIFY).
   * Absent: engines poll. Each subscriber gets every signal from the
   * moment it subscribes.
   */
  readonly signals?: Stream.Stream<StoreSignal>
  /** A queue shared by engines on several hosts. Absent: each engine executes the runs it accepts. */
  readonly queue?: RunQueue

  /**
   * Leases on named resources (an add-on's blobs and rootfs) that a
   * collector must not remove while any engine holds one. `holdLeases`
   * takes or renews this store instance's leases on `keys` for `ttlMs`;
   * `releaseLeases` gives them up; `heldLeases` lists the keys with a
   * lease not yet expired, whoever holds it. Expiry is judged by the
   * store's clock.
   */
  readonly holdLeases: (keys: ReadonlyArray<string>, ttlMs: number) => Effect.Effect<void, StoreError>
  readonly releaseLeases: (keys: ReadonlyArray<string>) => Effect.Effect<void, StoreError>
  readonly heldLeases: () => Effect.Effect<ReadonlyArray<string>, StoreError>
}>() {}
