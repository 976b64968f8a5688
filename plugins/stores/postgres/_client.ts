/**
 * @module
 * The one file that touches the driver, Postgres.js (`postgres`). It is
 * `import()`ed when a store connects, never at module load, so programs that
 * use the SQLite store never load it (docs/scaling.md says why this driver).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Sql } from "./_sql.ts"
import { type StoreError, storeFailure } from "../../../core/mod.ts"
import type { Checked } from "./_options.ts"
import { redact } from "./_options.ts"
import { migrate } from "./_migrations.ts"

export type { Sql, Tx } from "./_sql.ts"

/**
 * A pool on `options.url` whose every connection has `search_path` set to
 * the schema, migrated before it is handed out and ended with the scope.
 */
export function connect(options: Checked): Effect.Effect<Sql, StoreError, Scope.Scope> {
  const failed = (error: unknown) => storeFailure(`connect ${redact(options.url)}`, error)
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const { default: postgres } = await import("postgres")
        const sql = postgres(options.url, {
          // A startup parameter, so that it holds on every connection of the pool.
          connection: { application_name: "flwd", search_path: options.schema },
          // Notices ("schema already exists, skipping") are not for users' terminals.
          onnotice: false,
          max: 10
        })
        try {
          await migrate(sql, options.schema)
        } catch (error) {
          await sql.end({ timeout: 1 })
          throw error
        }
        return sql
      },
      catch: failed
    }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
  )
}
