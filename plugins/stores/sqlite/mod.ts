/**
 * @module
 * The `Store` on `node:sqlite`: one database file (WAL mode) holding
 * sources, runs, the event journal and idempotency keys. Other processes may
 * open the same file at the same time, to read while the engine writes.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Store } from "flwd"
 * import * as SqliteStore from "./mod.ts"
 *
 * const program = Effect.flatMap(Store, (store) => store.listRuns({ limit: 10 }))
 * Effect.runPromise(Effect.provide(program, SqliteStore.layer({ path: ".flwd/flwd.db" })))
 * ```
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { StoreError } from "../../../core/mod.ts"
import { Store } from "../../../core/mod.ts"
import { openDatabase } from "./_database.ts"
import type { Database } from "./_database.ts"
import { newOwner, releaseOwner } from "./_owner.ts"
import { migrate } from "./_schema.ts"
import { make } from "./store.ts"

/**
 * Run-listing cursors, also used by the PostgreSQL store: the same opaque
 * string pages through runs on either.
 *
 * @since 0.1.0
 * @category utils
 */
export { decodeCursor, encodeCursor, pageStart } from "./_cursor.ts"

/**
 * Rows back into records, decoded with their Schema, also used by the
 * PostgreSQL store: a run row (`id`, `record`), a source row (`name`,
 * `record`, and `pin` where kept apart).
 *
 * @since 0.3.0
 * @category utils
 */
export { runOf, sourceOf } from "./_rows.ts"

/**
 * Lease arguments no caller should send, refused with `validation.failed`
 * naming the field; also used by the PostgreSQL store.
 *
 * @since 0.3.0
 * @category utils
 */
export { refuseLeases } from "./store.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The database file. Missing parent directories are created; `":memory:"`
   * gives a private in-memory database (for tests). No default: the engine
   * passes `<data-dir>/flwd.db`.
   */
  readonly path: string
}

function open(path: string): Effect.Effect<Database, StoreError> {
  return Effect.try({
    try: () => {
      const db = openDatabase(path)
      try {
        migrate(db)
      } catch (error) {
        db.close()
        throw error
      }
      return db
    },
    catch: (error) =>
      new StoreError({
        code: "store.failed",
        detail: `open ${path}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
        cause: error
      })
  })
}

/**
 * The store on the SQLite file at `options.path`, opened and migrated when
 * the layer is built and closed when its scope closes.
 *
 * @since 0.1.0
 * @category layers
 */
export function layer(options: Options): Layer.Layer<Store, StoreError> {
  return Layer.scoped(
    Store,
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(open(options.path), (db) => Effect.sync(() => db.close()))
      // Released before the connection closes (finalizers run in reverse order).
      const owner = yield* Effect.acquireRelease(
        Effect.try({
          try: () => newOwner(db),
          catch: (error) =>
            new StoreError({ code: "store.failed", detail: `open ${options.path}: ${error instanceof Error ? error.message : String(error)}`, cause: error })
        }),
        (owner) => Effect.ignore(Effect.try(() => releaseOwner(db, owner)))
      )
      return make(db, owner, options.path)
    })
  )
}
