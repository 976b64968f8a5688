/**
 * @module
 * The `Store` on PostgreSQL: sources, runs, the event journal, idempotency
 * keys and the leases of the engines sharing them, in one schema of one
 * database, so that several engines on several hosts share one state: a
 * run queue they claim from (`queue`), wake-ups over LISTEN/NOTIFY
 * (`signals`) and resource leases for collectors. The schema is created
 * and migrated when the layer is built; the driver is loaded only then.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Store } from "flwd"
 * import * as PostgresStore from "./mod.ts"
 *
 * const program = Effect.flatMap(Store, (store) => store.listRuns({ limit: 10 }))
 * Effect.runPromise(Effect.provide(program, PostgresStore.layer({ url: "postgres://flwd@127.0.0.1/flwd" })))
 * ```
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Store } from "../../../core/mod.ts"
import type { StoreError } from "../../../core/mod.ts"
import { connect } from "./_client.ts"
import { check } from "./_options.ts"
import { acquireOwner } from "./_owner.ts"
import { listen } from "./_listen.ts"
import { channelOf } from "./_signals.ts"
import { make } from "./store.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * A `postgres://` or `postgresql://` URL, as libpq takes it
   * (`postgres://user:password@host:5432/database?sslmode=require`; a unix
   * socket directory goes in `?host=/run/postgresql`). No default.
   */
  readonly url: string
  /**
   * The schema holding flwd's tables, created when missing: a lower-case
   * SQL identifier. Default `flwd`.
   */
  readonly schema?: string
  /**
   * How long an engine that stops renewing its lease (killed, cut off)
   * keeps its runs from being failed by another engine: its runs are
   * settled within `leaseMs` and a third more. Default 15000 ms.
   */
  readonly leaseMs?: number
  /**
   * The engine's data directory, where `runs/<id>` holds what a run started
   * on this host; when given, what a failed run left running here is found
   * through it as well as by its marker. No default.
   */
  readonly dataDir?: string
}

/**
 * The store in the database at `options.url`, connected, migrated and
 * leased when the layer is built, and released when its scope closes.
 * Fails with `config.invalid` (naming the field) for bad options and
 * `store.failed` when the database cannot be reached or migrated.
 *
 * @since 0.1.0
 * @category layers
 */
export function layer(options: Options): Layer.Layer<Store, StoreError> {
  return Layer.scoped(
    Store,
    Effect.gen(function* () {
      const checked = check(options)
      if (!("url" in checked)) return yield* Effect.fail(checked)
      const sql = yield* connect(checked)
      const owner = yield* acquireOwner(sql, checked.leaseMs)
      const channel = channelOf(checked.schema)
      const signals = yield* listen(sql, channel)
      const place = { channel, leaseMs: checked.leaseMs, signals }
      return make(sql, owner, options.dataDir === undefined ? place : { ...place, dataDir: options.dataDir })
    })
  )
}
