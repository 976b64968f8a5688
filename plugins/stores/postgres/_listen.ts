/**
 * @module
 * The receiving side of store signals: one LISTEN connection per store
 * instance (the driver keeps it apart from the pool and listens again
 * after it drops), fanned out through a PubSub so that every subscriber
 * gets every signal from the moment it subscribes. The connection is made
 * on the first subscription, so a program that never follows the store (a
 * CLI listing) opens none. After each reconnect the driver may have missed
 * notifications, so subscribers get `Resync`.
 */
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { StoreSignal } from "../../../core/mod.ts"
import type { Sql } from "./_client.ts"
import { decode } from "./_signals.ts"

/**
 * The signals on `channel`, for the life of the scope. A listen that
 * cannot be set up (the database unreachable) leaves that subscriber
 * without signals, to poll as receivers do anyway; the next subscription
 * tries again.
 */
export function listen(sql: Sql, channel: string): Effect.Effect<Stream.Stream<StoreSignal>, never, Scope.Scope> {
  return Effect.gen(function* () {
    const pubsub = yield* Effect.acquireRelease(PubSub.unbounded<StoreSignal>(), PubSub.shutdown)
    // runSyncExit: a notification arriving after the PubSub is shut down
    // (the store closing) is dropped, not thrown into the driver.
    const publish = (signal: StoreSignal) => void Effect.runSyncExit(PubSub.publish(pubsub, signal))
    let started: Promise<unknown> | null = null
    let listens = 0
    const start = () =>
      started ??= sql.listen(channel, (payload) => publish(decode(payload)), () => {
        // Called once listening, and again after each reconnect.
        if (listens++ > 0) publish({ _tag: "Resync" })
      }).catch(() => {
        started = null
      })
    return Stream.unwrapScoped(Effect.gen(function* () {
      // Subscribed before listening: nothing between the two is lost.
      const subscription = yield* PubSub.subscribe(pubsub)
      yield* Effect.promise(start)
      return Stream.fromQueue(subscription)
    }))
  })
}
