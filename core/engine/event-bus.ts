/**
 * @module
 * Publishing and following events. Every event is journaled first; followers
 * read the journal from their cursor and wait for a new id when caught up.
 * Memory stays bounded whatever a run prints, no follower can slow a run
 * down, and resuming from an id (`Last-Event-ID`) is the same code path as
 * following live.
 *
 * Other engines sharing the store journal too: their events wake followers
 * through the store's signals (PostgreSQL's LISTEN/NOTIFY), or, for a store
 * without signals (SQLite shared by processes on one host), through a look
 * at the journal's head twice a second while anyone waits.
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { StoreError } from "../domain/errors.ts"
import { type NewEvent, type RunEvent, terminalEventTypes } from "../domain/run.ts"
import { Store } from "./store.ts"

/** @since 0.1.0 @category models */
export interface FollowOptions {
  readonly run_id?: string
  /** Start after this event id (0: from the beginning). */
  readonly after?: number
  /** Stop after the run's terminal event (only with `run_id`). Default true. */
  readonly untilTerminal?: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class EventBus extends Context.Tag("flwd/engine/EventBus")<EventBus, {
  readonly publish: (events: ReadonlyArray<NewEvent>) => Effect.Effect<ReadonlyArray<RunEvent>, StoreError>
  readonly follow: (options: FollowOptions) => Stream.Stream<RunEvent, StoreError>
  /** Wakes followers for events journaled through the store directly (a run's `run.queued`, journaled with its insert). */
  readonly catchUp: Effect.Effect<void>
}>() {}

const PAGE = 500

/** How often waiting followers look at the journal's head when the store has no signals. */
const POLL = Duration.millis(500)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<EventBus, never, Store> = Layer.scoped(
  EventBus,
  Effect.gen(function* () {
    const store = yield* Store
    const latest = yield* SubscriptionRef.make(yield* store.latestEventId().pipe(Effect.orElseSucceed(() => 0)))
    // Only ever forward: ids are handed out in commit order.
    const advance = (id: number) => SubscriptionRef.update(latest, (seen) => Math.max(seen, id))
    const catchUp = store.latestEventId().pipe(Effect.flatMap(advance), Effect.ignore)
    let waiting = 0

    if (store.signals !== undefined) {
      yield* store.signals.pipe(
        Stream.runForEach((signal) => signal._tag === "Events" ? advance(signal.latest) : signal._tag === "Resync" ? catchUp : Effect.void),
        Effect.forkScoped
      )
    } else {
      yield* Effect.suspend(() => (waiting > 0 ? catchUp : Effect.void)).pipe(
        Effect.repeat(Schedule.spaced(POLL)),
        Effect.forkScoped
      )
    }

    const publish = (events: ReadonlyArray<NewEvent>) =>
      events.length === 0 ? Effect.succeed([] as ReadonlyArray<RunEvent>) : store.appendEvents(events).pipe(
        Effect.tap((stored) => advance(stored[stored.length - 1].id))
      )

    // Followers at the same position read the same page: share it while the
    // journal has not moved, so a thousand subscribers of one run cost one
    // query per batch, not a thousand. Pages are immutable, and one read
    // after `seen` was observed holds every event up to `seen`.
    let pages = { seen: -1, byKey: new Map<string, ReadonlyArray<RunEvent>>() }
    const readPage = (runId: string | undefined, after: number, seen: number) =>
      Effect.suspend(() => {
        if (pages.seen !== seen) pages = { seen, byKey: new Map() }
        const key = `${runId ?? ""}\u0000${after}`
        const hit = pages.byKey.get(key)
        if (hit !== undefined) return Effect.succeed(hit)
        return store.listEvents({ run_id: runId, after, limit: PAGE }).pipe(
          Effect.tap((page) => {
            if (pages.seen === seen && pages.byKey.size < 1024) pages.byKey.set(key, page)
          })
        )
      })

    // Waits until anything newer than `seen` is journaled (any run's event).
    const waitBeyond = (seen: number) =>
      Effect.acquireUseRelease(
        Effect.sync(() => waiting++),
        () => latest.changes.pipe(Stream.filter((id) => id > seen), Stream.take(1), Stream.runDrain),
        () => Effect.sync(() => waiting--)
      )

    // A run that is already terminal has journaled its terminal event (the
    // Runner journals it before it updates the run), so nothing more comes.
    const runIsOver = (runId: string) =>
      store.getRun(runId).pipe(
        Effect.map((run) => run === null || run.status === "succeeded" || run.status === "failed" || run.status === "canceled")
      )

    const follow = (options: FollowOptions): Stream.Stream<RunEvent, StoreError> => {
      const untilTerminal = options.untilTerminal ?? true
      type State = { cursor: number; done: boolean }
      return Stream.paginateChunkEffect({ cursor: options.after ?? 0, done: false } as State, (state) =>
        Effect.gen(function* () {
          while (true) {
            const seen = yield* SubscriptionRef.get(latest)
            let page = yield* readPage(options.run_id, state.cursor, seen)
            if (page.length === 0 && options.run_id !== undefined && untilTerminal && (yield* runIsOver(options.run_id))) {
              // Over, but perhaps on another engine whose last events this one has not been told of
              // yet (the shared page was read before they were journaled): read past it once more.
              page = yield* store.listEvents({ run_id: options.run_id, after: state.cursor, limit: PAGE })
              if (page.length === 0) return [Chunk.empty<RunEvent>(), Option.none<State>()] as const
            }
            if (page.length > 0) {
              const end = options.run_id !== undefined && untilTerminal ? page.findIndex((e) => terminalEventTypes.includes(e.type)) : -1
              const batch = end >= 0 ? page.slice(0, end + 1) : page
              const next: State = { cursor: batch[batch.length - 1].id, done: end >= 0 }
              return [
                Chunk.fromIterable(batch),
                next.done ? Option.none<State>() : Option.some(next)
              ] as const
            }
            yield* waitBeyond(seen)
          }
        }))
    }

    return { publish, follow, catchUp }
  })
)
