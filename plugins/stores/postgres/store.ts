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
import type * as Stream from "effect/Stream"
import { pageLimit, StoreError, storeFailure } from "../../../core/mod.ts"
import type { IdempotencyRecord, NewEvent, Run, RunFilter, RunPage, RunQueue, SourceRecord, Store, StoreSignal } from "../../../core/mod.ts"
import { reapRun } from "../../exec/mod.ts"
import { encodeCursor, pageStart, refuseLeases, sourceOf } from "../sqlite/mod.ts"
import type { Sql, Tx } from "./_client.ts"
import * as Journal from "./_journal.ts"
import * as Leases from "./_leases.ts"
import type { Owner } from "./_owner.ts"
import * as Queue from "./_queue.ts"
import { runOf, writeRun } from "./_runs.ts"
import { encode, notify } from "./_signals.ts"

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

async function idempotencyOf(sql: Sql | Tx, key: string): Promise<IdempotencyRecord | null> {
  const [row] = await sql<Array<IdempotencyRecord>>`
    SELECT key, request_hash, run_id, created_at FROM idempotency WHERE key = ${key}`
  return row === undefined ? null : { key: row.key, request_hash: row.request_hash, run_id: row.run_id, created_at: row.created_at }
}

/** How the store instance runs beside the others sharing the database. */
export interface Place {
  /** Where the engine keeps a run's files, to clean up after it; see `Options.dataDir`. */
  readonly dataDir?: string
  /** The channel its signals go out on (_signals.ts). */
  readonly channel: string
  /** The engines' lease (`Options.leaseMs`). */
  readonly leaseMs: number
  /** What the channel brings, when the store listens (_listen.ts). */
  readonly signals?: Stream.Stream<StoreSignal>
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
export function make(sql: Sql, owner: Owner, place: Place): Context.Tag.Service<Store> {
  const { channel } = place
  const queueContext: Queue.QueueContext = { sql, node: owner.id, channel, leaseMs: place.leaseMs }

  /** Kills what failed runs left running, where that can be done: on their own host. */
  const reapHere = (failed: ReadonlyArray<{ readonly id: string; readonly owner: string | null }>) =>
    Effect.promise(async () => {
      for (const { id, owner: holder } of failed) {
        const host = holder === null ? null : holder.slice(0, holder.indexOf(":"))
        if (host === null || host === owner.host) await reapRun(place.dataDir === undefined ? null : join(place.dataDir, "runs", id), id)
      }
    })

  /** Journals `events` inside `tx` and wakes followers when it commits. */
  const journalIn = async (tx: Tx, events: ReadonlyArray<NewEvent>) => {
    if (events.length === 0) return
    const out = await Journal.append(tx, events)
    await notify(tx, channel, { _tag: "Events", latest: out[out.length - 1].id })
  }

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
      const rows = await sql<Array<{ id: string; record: string }>>`
        SELECT id, record::text AS record FROM runs WHERE ${condition}
        ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}::int`
      const items = rows.slice(0, limit).map(runOf)
      const last = items[items.length - 1]
      return { items, next_cursor: rows.length > limit ? encodeCursor(last) : null }
    })
  }

  const failInterruptedRuns = (at: string): Effect.Effect<ReadonlyArray<string>, StoreError> =>
    attempt("failInterruptedRuns", () =>
      sql.begin(async (tx) => {
        // FOR UPDATE: two engines starting at once settle each run once; the
        // second re-reads a locked row after the first commits and finds it
        // settled already. Unclaimed queued runs (owner NULL) are left to
        // the queue, where a live engine may claim them.
        const rows = await tx<Array<{ record: string; owner: string | null; bound_to: string | null; has_request: boolean }>>`
          SELECT r.record::text AS record, r.owner, r.bound_to, r.request IS NOT NULL AS has_request
          FROM runs r LEFT JOIN owners o ON o.id = r.owner
          WHERE r.status IN ('queued', 'running') AND r.owner IS NOT NULL
            AND (r.owner = ${owner.id} OR o.id IS NULL OR o.expires_at < now())
          ORDER BY r.created_at, r.id
          FOR UPDATE OF r`
        const settled = await Queue.settleLost(tx, channel, rows, at, "engine.restarted")
        await tx`DELETE FROM owners WHERE expires_at < now()`
        return settled.failed
      })).pipe(Effect.tap(reapHere), Effect.map((failed) => failed.map((f) => f.id)))

  const queue: RunQueue = {
    node: owner.id,
    claim: (limit) => attempt("claim", () => Queue.claim(queueContext, limit)),
    requestCancel: (id, at, reason) => attempt("requestCancel", () => Queue.requestCancel(queueContext, id, at, reason)),
    cancelRequested: (ids) => attempt("cancelRequested", () => Queue.cancelRequested(queueContext, ids)),
    reapLost: (at) =>
      attempt("reapLost", () => Queue.reapLost(queueContext, at)).pipe(
        Effect.tap((settled) => reapHere(settled.failed)),
        Effect.map((settled) => settled.failed.map((f) => f.id))
      ),
    reapEveryMs: Math.floor(place.leaseMs / 3)
  }

  return {
    putSource: (source: SourceRecord) =>
      attempt("putSource", async () => {
        // One statement: the record, the change counter and the signal commit together.
        await sql`
          WITH put AS (
            INSERT INTO sources (name, record, updated_at)
            VALUES (${source.name}, ${JSON.stringify(source)}::text::json, ${source.updated_at})
            ON CONFLICT (name) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at
            RETURNING name
          ), bump AS (
            UPDATE sources_head SET version = version + 1 WHERE EXISTS (SELECT 1 FROM put) RETURNING version
          )
          SELECT (SELECT count(pg_notify(${channel}, ${encode({ _tag: "Sources" })})) FROM bump) AS notified`
      }),
    getSource: (name) =>
      attempt("getSource", async () => {
        const [row] = await sql<Array<{ name: string; record: string }>>`SELECT name, record::text AS record FROM sources WHERE name = ${name}`
        return row === undefined ? null : sourceOf(row)
      }),
    listSources: () =>
      attempt(
        "listSources",
        async () => (await sql<Array<{ name: string; record: string }>>`SELECT name, record::text AS record FROM sources ORDER BY name`).map(sourceOf)
      ),
    removeSource: (name) =>
      attempt("removeSource", async () => {
        const [row] = await sql<Array<{ removed: number }>>`
          WITH gone AS (
            DELETE FROM sources WHERE name = ${name} RETURNING name
          ), bump AS (
            UPDATE sources_head SET version = version + 1 WHERE EXISTS (SELECT 1 FROM gone) RETURNING version
          )
          SELECT (SELECT count(*) FROM gone)::int AS removed,
                 (SELECT count(pg_notify(${channel}, ${encode({ _tag: "Sources" })})) FROM bump) AS notified`
        return row.removed > 0
      }),
    changeToken: () =>
      attempt("changeToken", async () => {
        const [row] = await sql<Array<{ version: string }>>`SELECT version::text AS version FROM sources_head`
        return row.version
      }),

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
          const dispatch = options?.dispatch
          // Journaled before the commit that lets another engine claim the run.
          const events = options?.events ?? []
          if (dispatch === undefined) {
            await tx`
              INSERT INTO runs (id, job_id, status, created_at, record, owner)
              VALUES (${run.id}, ${run.job_id}, ${run.status}, ${run.created_at}, ${JSON.stringify(run)}::text::json, ${owner.id})`
            await journalIn(tx, events)
            return null
          }
          // Unclaimed; bound to this engine when only it can plan the run.
          const request = dispatch.request === null ? null : JSON.stringify(dispatch.request)
          await tx`
            INSERT INTO runs (id, job_id, status, created_at, record, owner, request, bound_to, job_key, job_limit)
            VALUES (${run.id}, ${run.job_id}, ${run.status}, ${run.created_at}, ${JSON.stringify(run)}::text::json, NULL,
              ${request}::text::json, ${dispatch.request === null ? owner.id : null}, ${dispatch.job_key},
              ${Math.max(0, Math.floor(dispatch.job_limit))}::int)`
          await journalIn(tx, events)
          await notify(tx, channel, { _tag: "Runs" })
          return null
        })),
    updateRun: (id, patch) =>
      attempt("updateRun", () =>
        sql.begin(async (tx) => {
          const [row] = await tx<Array<{ id: string; record: string; owner: string | null; owner_live: boolean }>>`
            SELECT r.id, r.record::text AS record, r.owner, (o.id IS NOT NULL AND o.expires_at >= now()) AS owner_live
            FROM runs r LEFT JOIN owners o ON o.id = r.owner WHERE r.id = ${id} FOR UPDATE OF r`
          if (row === undefined) throw new StoreError({ code: "run.not.found", detail: `No run with id ${id}` })
          // A run is its engine's to change while that engine lives: a write
          // from another would race the owner's own (or undo a reaper's).
          if (row.owner !== null && row.owner !== owner.id && row.owner_live) {
            throw new StoreError({ code: "store.failed", detail: `Run ${id} is held by the engine ${row.owner}: only it changes the run` })
          }
          const current = runOf(row)
          const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
          const updated: Run = { ...current, ...changes, id: current.id, plan: current.plan }
          await writeRun(tx, updated)
          return updated
        })),
    getRun: (id) =>
      attempt("getRun", async () => {
        const [row] = await sql<Array<{ id: string; record: string }>>`SELECT id, record::text AS record FROM runs WHERE id = ${id}`
        return row === undefined ? null : runOf(row)
      }),
    listRuns,
    failInterruptedRuns,

    appendEvents: (events) =>
      events.length === 0 ? Effect.succeed([]) : attempt("appendEvents", () =>
        sql.begin(async (tx) => {
          const out = await Journal.append(tx, events)
          await notify(tx, channel, { _tag: "Events", latest: out[out.length - 1].id })
          return out
        })),
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

    holdLeases: (keys, ttlMs) => refuseLeases(keys, ttlMs) ?? attempt("holdLeases", () => Leases.hold(sql, owner.id, keys, ttlMs)),
    releaseLeases: (keys) => refuseLeases(keys) ?? attempt("releaseLeases", () => Leases.release(sql, owner.id, keys)),
    heldLeases: () => attempt("heldLeases", () => Leases.held(sql)),

    queue,
    ...(place.signals === undefined ? {} : { signals: place.signals })
  }
}
