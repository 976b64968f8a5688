/**
 * @module
 * A strictly first-in-first-out permit gate. Effect's Semaphore lets a
 * newcomer take a freed permit before a waiter wakes up; runs must start in
 * the order they were queued, so a freed permit is handed to the oldest
 * waiter directly.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

/** A FIFO gate with a fixed number of permits. */
export interface Gate {
  /** Runs `self` holding one permit; waiting is interruptible and leaves the queue. */
  readonly withPermit: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** Creates a gate; fewer than one permit is treated as one. */
export function makeGate(permits: number): Gate {
  let free = Math.max(1, Math.floor(permits))
  const waiters: Array<Deferred.Deferred<void>> = []

  const release = Effect.suspend(() => {
    const next = waiters.shift()
    if (next === undefined) {
      free++
      return Effect.void
    }
    return Deferred.succeed(next, undefined)
  })

  const acquire = (restore: <X, Y, Z>(e: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>) =>
    Effect.gen(function* () {
      if (free > 0 && waiters.length === 0) {
        free--
        return
      }
      const turn = yield* Deferred.make<void>()
      waiters.push(turn)
      yield* restore(Deferred.await(turn)).pipe(
        Effect.onInterrupt(() =>
          Effect.suspend(() => {
            const at = waiters.indexOf(turn)
            if (at >= 0) {
              waiters.splice(at, 1)
              return Effect.void
            }
            // The permit was handed over just as we were interrupted: pass it on.
            return release
          })
        )
      )
    })

  const withPermit = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.uninterruptibleMask((restore) => acquire(restore).pipe(Effect.zipRight(restore(self).pipe(Effect.ensuring(release)))))

  return { withPermit }
}
