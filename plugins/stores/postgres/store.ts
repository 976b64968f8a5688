/**
 * @module
 * The `Store` service over a migrated PostgreSQL pool. Each method is one
 * statement or one transaction, so it is atomic for every engine sharing
 * the database, on any host.
 */
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Context from "effect/Context"
import { pageLimit, StoreError, storeFailure } from "../../../core/mod.ts"
import type { IdempotencyRecord, Run, RunFilter, RunPage, SourceRecord, Store } from "../../../core/mod.ts"
import { reapRun } from "../../exec/mod.ts"
import { encodeCursor, pageStart } from "../sqlite/mod.ts"
import type { Sql, Tx } from "./_client.ts"
import * as Journal from "./_journal.ts"
import * as Leases from "./_leases.ts"
import type { Owner } from "./_owner.ts"

const DEFAULT_RUN_LIMIT = 50
const MAX_RUN_LIMIT = 500

/**
 * Runs `body`, turning what it throws into a `StoreError` that names the
 * operation (`StoreError`s thrown on purpose pass through unchanged).
 */
function attempt<A>(operation: string, body: () => Promise<A>): Effect.Effect<A, StoreError> {
  return Effect.tryPromise({
    try: body,
    catch: (error) => storeFailure(operation, error)
  })
}

const record = <A>(row: { readonly record: string }): A => JSON.parse(row.record) as A

async function idempotencyOf(sql: Sql | Tx, key: string): Promise<IdempotencyRecord | null> {
  const [row] = await sql<Array<IdempotencyRecord>>`
    SELECT key, request_hash, run_id, created_at FROM idempotency WHERE key = ${key}`
  return row === undefined ? null : { key: row.key, request_hash: row.request_hash, run_id: row.run_id, created_at: row.created_at }
}

/** Where the engine keeps a run's files, to clean up after it; see `Options.dataDir`. */
export interface Place {
  readonly dataDir?: string
}

/**
 * The `Store` service on `sql`, whose schema is migrated, for the store
 * instance `owner`. Where the contract leaves a choice open it chooses as
 * the SQLite store does: sources by name; the first idempotency record for
 * a key wins; a bad cursor is `validation.failed`; updating an unknown run
 * is `run.not.found`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make(sql: Sql, owner: Owner, place: Place = {}): Context.Tag.Service<Store> {
  const writeRun = (tx: Sql | Tx, run: Run) =>
    tx`UPDATE runs SET job_id = ${run.job_id}, status = ${run.status}, created_at = ${run.created_at},
       record = ${JSON.stringify(run)}::text::json WHERE id = ${run.id}`

  const listRuns = (filter: RunFilter): Effect.Effect<RunPage, StoreError> => {
    const limit = pageLimit(filter.limit, DEFAULT_RUN_LIMIT, MAX_RUN_LIMIT)
    const start = pageStart(filter.cursor)
    if (Either.isLeft(start)) return Effect.fail(start.left)
    const after = start.right
    return attempt("listRuns", async () => {
      const where = [sql`true`]
      if (filter.job_id !== undefined) where.push(sql`job_id = ${filter.job_id}`)
      if (filter.status !== undefined) where.push(sql`status = ${filter.status}`)
      // A row comparison, which the (created_at DESC, id DESC) indexes serve.
      if (after !== null) where.push(sql`(created_at, id) < (${after.created_at}::text, ${after.id}::text)`)
      const condition = where.reduce((all, next) => sql`${all} AND ${next}`)
      // One row more than asked tells whether another page follows.
      const rows = await sql<Array<{ record: string }>>`
        SELECT record::text AS record FROM runs WHERE ${condition}
        ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}::int`
      const items = rows.slice(0, limit).map((row) => record<Run>(row))
      const last = items[items.length - 1]
      return { items, next_cursor: rows.length > limit ? encodeCursor(last) : null }
    })
  }

  const failInterruptedRuns = (at: string): Effect.Effect<ReadonlyArray<string>, StoreError> =>
    attempt("failInterruptedRuns", () =>
      sql.begin(async (tx) => {
        // FOR UPDATE: two engines starting at once fail each run once; the
        // second re-reads a locked row after the first commits and finds it
        // failed already.
        const rows = await tx<Array<{ record: string; owner: string | null }>>`
          SELECT r.record::text AS record, r.owner FROM runs r LEFT JOIN owners o ON o.id = r.owner
          WHERE r.status IN ('queued', 'running')
            AND (r.owner IS NULL OR r.owner = ${owner.id} OR o.id IS NULL OR o.expires_at < now())
          ORDER BY r.created_at, r.id
          FOR UPDATE OF r`
        const failed: Array<{ id: string; here: boolean }> = []
        for (const row of rows) {
          const run = record<Run>(row)
          const error = { code: "engine.restarted", detail: `The engine stopped while the run was ${run.status}` }
          await writeRun(tx, { ...run, status: "failed", exit_code: null, error, finished_at: at })
          await Journal.append(tx, [{ run_id: run.id, type: "run.failed", at, data: error }])
          const host = row.owner === null ? null : row.owner.slice(0, row.owner.indexOf(":"))
          failed.push({ id: run.id, here: host === null || host === owner.host })
        }
        await tx`DELETE FROM owners WHERE expires_at < now()`
        return failed
      })).pipe(
        // What the runs left running can only be killed on their own host.
        Effect.tap((failed) =>
          Effect.promise(async () => {
            for (const { id, here } of failed) {
              if (here) await reapRun(place.dataDir === undefined ? null : join(place.dataDir, "runs", id), id)
            }
          })
        ),
        Effect.map((failed) => failed.map((f) => f.id))
      )

  return {
    putSource: (source: SourceRecord) =>
      attempt("putSource", async () => {
        await sql`
          INSERT INTO sources (name, record, updated_at)
          VALUES (${source.name}, ${JSON.stringify(source)}::text::json, ${source.updated_at})
          ON CONFLICT (name) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`
      }),
    getSource: (name) =>
      attempt("getSource", async () => {
        const [row] = await sql<Array<{ record: string }>>`SELECT record::text AS record FROM sources WHERE name = ${name}`
        return row === undefined ? null : record<SourceRecord>(row)
      }),
    listSources: () =>
      attempt(
        "listSources",
        async () => (await sql<Array<{ record: string }>>`SELECT record::text AS record FROM sources ORDER BY name`).map((row) => record<SourceRecord>(row))
      ),
    removeSource: (name) => attempt("removeSource", async () => (await sql`DELETE FROM sources WHERE name = ${name}`).count > 0),

    insertRun: (run, options) =>
      attempt("insertRun", () =>
        sql.begin(async (tx) => {
          const key = options?.idempotency
          if (key !== undefined) {
            // ON CONFLICT waits for a concurrent insert of the key to commit;
            // the SELECT after it (a new snapshot) then sees that record.
            const taken = await tx`
              INSERT INTO idempotency (key, request_hash, run_id, created_at)
              VALUES (${key.key}, ${key.request_hash}, ${key.run_id}, ${key.created_at})
              ON CONFLICT (key) DO NOTHING RETURNING key`
            if (taken.length === 0) return idempotencyOf(tx, key.key)
          }
          await tx`
            INSERT INTO runs (id, job_id, status, created_at, record, owner)
            VALUES (${run.id}, ${run.job_id}, ${run.status}, ${run.created_at}, ${JSON.stringify(run)}::text::json, ${owner.id})`
          return null
        })),
    updateRun: (id, patch) =>
      attempt("updateRun", () =>
        sql.begin(async (tx) => {
          const [row] = await tx<Array<{ record: string }>>`SELECT record::text AS record FROM runs WHERE id = ${id} FOR UPDATE`
          if (row === undefined) throw new StoreError({ code: "run.not.found", detail: `No run with id ${id}` })
          const current = record<Run>(row)
          const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
          const updated: Run = { ...current, ...changes, id: current.id, plan: current.plan }
          await writeRun(tx, updated)
          return updated
        })),
    getRun: (id) =>
      attempt("getRun", async () => {
        const [row] = await sql<Array<{ record: string }>>`SELECT record::text AS record FROM runs WHERE id = ${id}`
        return row === undefined ? null : record<Run>(row)
      }),
    listRuns,
    failInterruptedRuns,

    appendEvents: (events) => events.length === 0 ? Effect.succeed([]) : attempt("appendEvents", () => sql.begin((tx) => Journal.append(tx, events))),
    listEvents: (query) => attempt("listEvents", () => Journal.list(sql, query)),
    latestEventId: () => attempt("latestEventId", () => Journal.latest(sql)),

    getIdempotency: (key) => attempt("getIdempotency", () => idempotencyOf(sql, key)),
    putIdempotency: (entry) =>
      attempt("putIdempotency", async () => {
        await sql`
          INSERT INTO idempotency (key, request_hash, run_id, created_at)
          VALUES (${entry.key}, ${entry.request_hash}, ${entry.run_id}, ${entry.created_at})
          ON CONFLICT (key) DO NOTHING`
      }),

    holdLeases: (keys, ttlMs) => attempt("holdLeases", () => Leases.hold(sql, owner.id, keys, ttlMs)),
    releaseLeases: (keys) => attempt("releaseLeases", () => Leases.release(sql, owner.id, keys)),
    heldLeases: () => attempt("heldLeases", () => Leases.held(sql))
  }
}
