/**
 * @module
 * Running work that another signal may stop, and waiting for it to be
 * stopped. Effect's race operators interrupt their losers without waiting
 * when the racing fiber itself is interrupted; a run stopped by engine
 * shutdown must not be recorded while its processes are still being killed,
 * so the Runner waits on its child fibers explicitly.
 */
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"

/** How supervised work ended, and whether `stop` fired. */
export interface Supervised<A, E> {
  readonly exit: Exit.Exit<A, E>
  readonly stopped: boolean
}

/**
 * Runs `self` in a child fiber. When `stop` completes first, `self` is
 * interrupted and awaited. When the caller is interrupted, `self` is
 * interrupted and awaited before the interruption goes on.
 */
export function supervise<A, E, R, R2>(
  self: Effect.Effect<A, E, R>,
  stop: Effect.Effect<unknown, never, R2>
): Effect.Effect<Supervised<A, E>, never, R | R2> {
  return Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      let stopped = false
      const work = yield* Effect.fork(Effect.interruptible(self))
      // Once `stop` fires, interrupting the work runs to completion.
      const watcher = yield* Effect.fork(
        Effect.interruptible(stop).pipe(Effect.zipRight(Effect.suspend(() => {
          stopped = true
          return Fiber.interrupt(work)
        })))
      )
      const exit = yield* restore(Fiber.await(work)).pipe(
        Effect.onInterrupt(() => Fiber.interrupt(watcher).pipe(Effect.zipRight(Fiber.interrupt(work))))
      )
      yield* Fiber.interrupt(watcher)
      return { exit, stopped }
    })
  )
}
