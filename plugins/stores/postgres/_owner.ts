/**
 * @module
 * Run ownership across engines that share one database, possibly on many
 * hosts. A process id says nothing about another host, so each store
 * instance holds a lease instead: a row in `owners` that it renews every
 * third of the lease, and deletes when it closes. An engine whose lease has
 * run out (killed, host gone, cut off from the database) is taken for dead
 * and its runs are failed by the next engine that starts. Expiry is judged
 * by the database's clock, so hosts' clocks need not agree.
 */
import { hostname } from "node:os"
import process from "node:process"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type StoreError, storeFailure } from "../../../core/mod.ts"
import type { Sql } from "./_client.ts"

/** Who owns a store instance's runs. */
export interface Owner {
  /** `<host>:<pid>:<uuid>`, unique per store instance. */
  readonly id: string
  readonly host: string
}

function renew(sql: Sql, owner: Owner, leaseMs: number): Promise<unknown> {
  // An upsert: a row deleted by an engine that thought this one dead comes
  // back, so at least the runs started from now on are protected again.
  return sql`
    INSERT INTO owners (id, host, pid, expires_at)
    VALUES (${owner.id}, ${owner.host}, ${process.pid}::int, now() + ${leaseMs}::int * interval '1 millisecond')
    ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`
}

/**
 * A new owner with a live lease, renewed in the background until the scope
 * closes, when the lease is given up at once.
 */
export function acquireOwner(sql: Sql, leaseMs: number): Effect.Effect<Owner, StoreError, Scope.Scope> {
  const host = hostname()
  const owner: Owner = { id: `${host}:${process.pid}:${crypto.randomUUID()}`, host }
  const acquire = Effect.tryPromise({
    try: () => renew(sql, owner, leaseMs),
    catch: (error) => storeFailure("lease", error)
  })
  // The instance's resource leases go with it (see _leases.ts).
  const release = Effect.promise(() =>
    sql.begin(async (tx) => {
      await tx`DELETE FROM leases WHERE owner = ${owner.id}`
      await tx`DELETE FROM owners WHERE id = ${owner.id}`
    }).then(() => undefined, () => undefined)
  )
  return Effect.gen(function* () {
    yield* Effect.acquireRelease(acquire, () => release)
    // A renewal that fails (the database restarting) is tried again at the
    // next tick; only a lease left to run out for a whole term is lost.
    yield* Effect.tryPromise(() => renew(sql, owner, leaseMs)).pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(Duration.millis(Math.floor(leaseMs / 3)))),
      Effect.delay(Duration.millis(Math.floor(leaseMs / 3))),
      Effect.forkScoped
    )
    return owner
  })
}
