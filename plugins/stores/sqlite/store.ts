/**
 * @module
 * The `Store` service over an open SQLite connection. Each method is one
 * synchronous call into SQLite (a transaction where it writes more than one
 * row), so methods are atomic within the process and, through SQLite's
 * locks, across processes sharing the file.
 *
 * The store has no `queue` and no `signals`: processes sharing a file are
 * on one host, and each engine executes the runs it accepts, so
 * `insertRun` ignores `dispatch` and records the run as this instance's.
 * An idempotency key is taken in the run's own transaction.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Context from "effect/Context"
import { pageLimit, StoreError, storeFailure } from "../../../core/mod.ts"
import type { Run } from "../../../core/mod.ts"
import type { SourceRecord } from "../../../core/mod.ts"
import type { RunFilter, RunPage, Store } from "../../../core/mod.ts"
import { encodeCursor, pageStart } from "./_cursor.ts"
import type { Database, Param } from "./_database.ts"
import { makeJournal } from "./_journal.ts"
import { leaseProblem, makeLeases } from "./_leases.ts"
import { idempotencyOf, runOf, sourceColumns, sourceOf } from "./_rows.ts"
import { openOwners, orphaned, reapOrphans } from "./_owner.ts"
import { ensureSourcesMark, markSources } from "./sources-mark/mod.ts"

const DEFAULT_RUN_LIMIT = 50
const MAX_RUN_LIMIT = 500

/**
 * Runs `body`, turning anything it throws into a `StoreError` that names the
 * operation (`StoreError`s thrown on purpose pass through unchanged).
 */
function attempt<A>(operation: string, body: () => A): Effect.Effect<A, StoreError> {
  return Effect.try({
    try: body,
    catch: (error) => storeFailure(operation, error)
  })
}

/** A failure for leases `leaseProblem` refuses, else undefined. */
export function refuseLeases(keys: ReadonlyArray<string>, ttlMs?: number): Effect.Effect<never, StoreError> | undefined {
  const problem = leaseProblem(keys, ttlMs)
  return problem === null ? undefined : Effect.fail(problem)
}

/**
 * The `Store` service on `db`, whose schema must be migrated already.
 * Where the `Store` contract leaves a choice open: `listSources` orders by
 * name; `putIdempotency` keeps the first record stored under a key; a bad
 * `listRuns` cursor fails with code `validation.failed`; `updateRun` of an
 * unknown id fails with code `run.not.found`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make(db: Database, owner: string, path = ":memory:"): Context.Tag.Service<Store> {
  const sql = {
    putSource: db.statement(
      `INSERT INTO sources (name, record, pin, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET record = excluded.record, pin = excluded.pin, updated_at = excluded.updated_at`
    ),
    getSource: db.statement("SELECT name, record, pin FROM sources WHERE name = ?"),
    listSources: db.statement("SELECT name, record, pin FROM sources ORDER BY name"),
    removeSource: db.statement("DELETE FROM sources WHERE name = ?"),
    // Moves when another connection (another process on the same file) commits; this one's own commits leave it.
    dataVersion: db.statement("PRAGMA data_version"),
    insertRun: db.statement("INSERT INTO runs (id, job_id, status, created_at, record, owner) VALUES (?, ?, ?, ?, ?, ?)"),
    writeRun: db.statement("UPDATE runs SET job_id = ?, status = ?, created_at = ?, record = ? WHERE id = ?"),
    getRun: db.statement("SELECT id, record FROM runs WHERE id = ?"),
    interrupted: db.statement(
      "SELECT id, record, owner FROM runs WHERE status IN ('queued', 'running') ORDER BY created_at, id"
    ),
    getIdempotency: db.statement("SELECT key, request_hash, run_id, created_at FROM idempotency WHERE key = ?"),
    putIdempotency: db.statement(
      "INSERT INTO idempotency (key, request_hash, run_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"
    )
  }

  const journal = makeJournal(db)
  const leases = makeLeases(db, owner)

  const getRun = (id: string): Run | null => {
    const row = sql.getRun.get(id)
    return row === undefined ? null : runOf(row)
  }

  const writeRun = (run: Run): void => {
    sql.writeRun.run(run.job_id, run.status, run.created_at, JSON.stringify(run), run.id)
  }

  const listRuns = (filter: RunFilter): Effect.Effect<RunPage, StoreError> => {
    const limit = pageLimit(filter.limit, DEFAULT_RUN_LIMIT, MAX_RUN_LIMIT)
    const start = pageStart(filter.cursor)
    if (Either.isLeft(start)) return Effect.fail(start.left)
    const after = start.right
    const where: Array<string> = []
    const params: Array<Param> = []
    if (filter.job_id !== undefined) {
      where.push("job_id = ?")
      params.push(filter.job_id)
    }
    if (filter.status !== undefined) {
      where.push("status = ?")
      params.push(filter.status)
    }
    if (after !== null) {
      // A row-value comparison: SQLite seeks straight into the index here.
      where.push("(created_at, id) < (?, ?)")
      params.push(after.created_at, after.id)
    }
    // Eight possible texts at most, each prepared once by the statement cache.
    const text = `SELECT id, record FROM runs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at DESC, id DESC LIMIT ?`
    return attempt("listRuns", () => {
      // One row more than asked tells whether another page follows.
      const rows = db.statement(text).all(...params, limit + 1)
      const items = rows.slice(0, limit).map(runOf)
      const last = items[items.length - 1]
      return { items, next_cursor: rows.length > limit ? encodeCursor(last) : null }
    })
  }

  // The CLI's caches stamp the sources through this mark, not the database (which every run writes).
  const onDisk = path !== ":memory:" && path !== ""
  if (onDisk) ensureSourcesMark(path)
  const markChange = () => {
    if (onDisk) markSources(path)
  }

  return {
    putSource: (source: SourceRecord) =>
      attempt("putSource", () => {
        const { record, pin } = sourceColumns(source)
        sql.putSource.run(source.name, record, pin, source.updated_at)
        markChange()
      }),
    getSource: (name) =>
      attempt("getSource", () => {
        const row = sql.getSource.get(name)
        return row === undefined ? null : sourceOf(row)
      }),
    listSources: () => attempt("listSources", () => sql.listSources.all().map(sourceOf)),
    changeToken: () => attempt("changeToken", () => String(sql.dataVersion.get()?.data_version)),
    removeSource: (name) =>
      attempt("removeSource", () => {
        const removed = sql.removeSource.run(name).changes > 0
        if (removed) markChange()
        return removed
      }),

    insertRun: (run, options) =>
      attempt("insertRun", () => {
        const key = options?.idempotency
        const events = options?.events ?? []
        const insert = () => {
          sql.insertRun.run(run.id, run.job_id, run.status, run.created_at, JSON.stringify(run), owner)
          if (events.length > 0) journal.append(events)
        }
        // One write transaction: of several processes posting one key, the
        // first to take the key inserts its run; the others write nothing.
        return db.transaction(() => {
          if (key !== undefined && sql.putIdempotency.run(key.key, key.request_hash, key.run_id, key.created_at).changes === 0) {
            return idempotencyOf(sql.getIdempotency.get(key.key)!)
          }
          insert()
          return null
        })
      }),
    updateRun: (id, patch) =>
      attempt("updateRun", () =>
        db.transaction(() => {
          const current = getRun(id)
          if (current === null) {
            throw new StoreError({ code: "run.not.found", detail: `No run with id ${id}` })
          }
          const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
          const updated: Run = { ...current, ...changes, id: current.id, plan: current.plan }
          writeRun(updated)
          return updated
        })),
    getRun: (id) => attempt("getRun", () => getRun(id)),
    listRuns,
    failInterruptedRuns: (at) =>
      attempt(
        "failInterruptedRuns",
        () =>
          db.transaction(() => {
            const open = openOwners(db)
            return sql.interrupted.all().filter((row) => orphaned((row.owner as string | null) ?? null, owner, open)).map((row) => {
              const run = runOf(row)
              const error = {
                code: "engine.restarted",
                detail: `The engine stopped while the run was ${run.status}`
              }
              writeRun({ ...run, status: "failed", exit_code: null, error, finished_at: at })
              journal.append([{ run_id: run.id, type: "run.failed", at, data: error }])
              return run.id
            })
          })
      ).pipe(Effect.tap((ids) => Effect.promise(() => reapOrphans(path, ids)))),

    appendEvents: (events) => events.length === 0 ? Effect.succeed([]) : attempt("appendEvents", () => db.transaction(() => journal.append(events))),
    listEvents: (query) => attempt("listEvents", () => journal.list(query)),
    latestEventId: () => attempt("latestEventId", () => journal.latest()),

    getIdempotency: (key) =>
      attempt("getIdempotency", () => {
        const row = sql.getIdempotency.get(key)
        return row === undefined ? null : idempotencyOf(row)
      }),
    putIdempotency: (entry) =>
      attempt("putIdempotency", () => {
        sql.putIdempotency.run(entry.key, entry.request_hash, entry.run_id, entry.created_at)
      }),

    holdLeases: (keys, ttlMs) => refuseLeases(keys, ttlMs) ?? attempt("holdLeases", () => leases.hold(keys, ttlMs)),
    releaseLeases: (keys) => refuseLeases(keys) ?? attempt("releaseLeases", () => leases.release(keys)),
    heldLeases: () => attempt("heldLeases", () => leases.held())
  }
}
