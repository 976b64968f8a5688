/**
 * @module
 * Leases a plugin holds on what it keeps in the data directory (an
 * add-on's blobs and rootfs) while it works with it, so that a collector
 * on any engine sharing the store leaves it alone (`Store.holdLeases`).
 *
 * The store keeps one lease per key and store instance, not a count: two
 * holders of one key in this engine (two sources sharing a layer) must not
 * end each other's lease. So holders are counted here, and a key is
 * released in the store only when its last holder lets go. One fiber per
 * engine renews every key held, a third of the TTL apart: an engine that
 * dies stops renewing, and its leases expire by the store's clock.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { StoreError } from "../domain/errors.ts"
import type { Store } from "./store.ts"

/** How long a lease lasts unless renewed. */
export const LEASE_TTL_MS = 60_000

/**
 * What a plugin may do with leases (`PluginEnv.leases`).
 *
 * @since 0.3.0
 * @category models
 */
export interface Leases {
  /**
   * Takes leases on `keys` until the Scope closes; they are renewed in the
   * background meanwhile. Fails when the store cannot take them: work
   * that cannot protect what it writes should not start.
   */
  readonly hold: (keys: ReadonlyArray<string>) => Effect.Effect<void, StoreError, Scope.Scope>
  /** Keys with a lease not yet expired, whoever holds it. */
  readonly held: () => Effect.Effect<ReadonlyArray<string>, StoreError>
}

/** The part of the store leases need. */
export type LeaseStore = Pick<Store["Type"], "holdLeases" | "releaseLeases" | "heldLeases">

/**
 * Leases over `store`, renewed by a fiber forked into the Scope (the
 * engine's): closing it stops the renewals.
 *
 * @since 0.3.0
 * @category constructors
 */
export function makeLeases(store: LeaseStore, options: { readonly ttlMs?: number } = {}): Effect.Effect<Leases, never, Scope.Scope> {
  return Effect.gen(function* () {
    const ttlMs = options.ttlMs ?? LEASE_TTL_MS
    const holders = new Map<string, number>()
    // Renewals and releases take turns: a renewal of a snapshot must not take back a key just released.
    const turn = yield* Effect.makeSemaphore(1)
    const renew = turn.withPermits(1)(
      Effect.suspend(() => (holders.size === 0 ? Effect.void : store.holdLeases([...holders.keys()], ttlMs)))
    )
    // A failed renewal is tried again at the next tick; the TTL leaves two more before a lease expires.
    yield* Effect.forkScoped(Effect.repeat(Effect.ignore(renew), Schedule.spaced(Math.max(1, Math.floor(ttlMs / 3)))))

    const take = (keys: ReadonlyArray<string>) =>
      turn.withPermits(1)(Effect.suspend(() => {
        for (const key of keys) holders.set(key, (holders.get(key) ?? 0) + 1)
        return Effect.tapError(store.holdLeases(keys, ttlMs), () => Effect.sync(() => drop(keys)))
      }))
    const drop = (keys: ReadonlyArray<string>): ReadonlyArray<string> => {
      const last: Array<string> = []
      for (const key of keys) {
        const n = (holders.get(key) ?? 0) - 1
        if (n > 0) holders.set(key, n)
        else if (holders.delete(key)) last.push(key)
      }
      return last
    }
    const give = (keys: ReadonlyArray<string>) =>
      turn.withPermits(1)(Effect.suspend(() => {
        const last = drop(keys)
        // A release that fails leaves the lease to expire: later, never wrong.
        return last.length === 0 ? Effect.void : Effect.ignore(store.releaseLeases(last))
      }))

    return {
      hold: (keys) => {
        const unique = [...new Set(keys)]
        return unique.length === 0 ? Effect.void : Effect.acquireRelease(take(unique), () => give(unique))
      },
      held: () => store.heldLeases()
    }
  })
}
