/**
 * @module
 * An engine's part in a run queue shared through the store: claiming runs
 * while it has free slots, stopping its runs when someone asks from
 * another engine, and settling the runs of engines that are gone.
 *
 * Store signals (PostgreSQL's LISTEN/NOTIFY) make each of these prompt; a
 * slow poll besides covers signals lost with a dropped connection, so a
 * missed signal costs latency, never a run.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ClaimedRun, RunQueue, StoreSignal } from "./store.ts"

/** How often the queue is looked at without a signal. */
const POLL = Duration.seconds(1)

/** What the queue work needs of the Runner. */
export interface QueueWorkOptions {
  readonly queue: RunQueue
  readonly signals: Stream.Stream<StoreSignal> | undefined
  /** Runs this engine executes at once; 0: it never claims (it only answers cancel requests). */
  readonly limit: number
  /** Runs executing here now. */
  readonly running: () => number
  /** Ids of the runs executing here. */
  readonly active: () => ReadonlyArray<string>
  readonly now: Effect.Effect<string>
  /** Starts a claimed run; must not block on the run. */
  readonly onClaim: (claimed: ClaimedRun) => Effect.Effect<void>
  /** Stops a run executing here, if it still is. */
  readonly onCancel: (id: string) => Effect.Effect<void>
}

/** The handle the Runner keeps. */
export interface QueueWork {
  /** Looks at the queue soon (a run was queued here, or a slot freed). */
  readonly wake: Effect.Effect<void>
}

/**
 * Starts the queue work in the current scope; it stops when the scope
 * closes. Store failures are retried at the next wake-up: a database that
 * restarts delays runs, it does not stop the engine.
 */
export function makeQueueWork(options: QueueWorkOptions): Effect.Effect<QueueWork, never, Scope.Scope> {
  return Effect.gen(function* () {
    const { queue } = options
    // One pending wake-up is enough: a claim pass takes all it can.
    const wakeups = yield* Queue.sliding<void>(1)
    const wake = Effect.asVoid(Queue.offer(wakeups, undefined))

    const claimPass = Effect.gen(function* () {
      while (true) {
        const free = options.limit - options.running()
        if (free <= 0) return
        const claimed = yield* queue.claim(free)
        for (const run of claimed) yield* options.onClaim(run)
        if (claimed.length < free) return
      }
    })

    const cancelPass = Effect.gen(function* () {
      const ids = options.active()
      if (ids.length === 0) return
      const asked = yield* queue.cancelRequested(ids)
      for (const id of asked) yield* options.onCancel(id)
    })

    const reapPass = Effect.flatMap(options.now, (at) => queue.reapLost(at))

    if (options.limit > 0) {
      yield* Queue.take(wakeups).pipe(
        Effect.zipRight(Effect.ignore(claimPass)),
        Effect.forever,
        Effect.forkScoped
      )
      // Settling lost engines is the claimers' work: a CLI never does it.
      yield* Effect.ignore(reapPass).pipe(
        Effect.repeat(Schedule.spaced(Duration.millis(queue.reapEveryMs))),
        Effect.forkScoped
      )
    }
    yield* Effect.all([wake, Effect.ignore(cancelPass)], { discard: true }).pipe(
      Effect.repeat(Schedule.spaced(POLL)),
      Effect.forkScoped
    )
    if (options.signals !== undefined) {
      yield* options.signals.pipe(
        Stream.runForEach((signal) => {
          switch (signal._tag) {
            case "Runs":
              return wake
            case "Cancel":
              return options.onCancel(signal.run_id)
            case "Resync":
              return Effect.all([wake, Effect.ignore(cancelPass)], { discard: true })
            default:
              return Effect.void
          }
        }),
        Effect.forkScoped
      )
    }
    yield* wake
    return { wake }
  })
}
