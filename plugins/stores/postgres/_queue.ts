/**
 * @module
 * The run queue shared by every engine on the database. A dispatched run
 * is inserted with no owner; an engine claims it by setting `owner` to its
 * own id in a transaction that locks candidates `FOR UPDATE SKIP LOCKED`,
 * so two engines claiming at once never take the same run and never wait
 * on each other's rows. A claimed run stays `queued` until its engine
 * starts it (`running`).
 *
 * A job's concurrency limit is counted across engines: its claimed and
 * running runs, read under a transaction-scoped advisory lock on the job's
 * key, so that two engines cannot both see room for one more. The keys of
 * a claim are locked up front in one order, so two claims never deadlock.
 *
 * Engines hold leases (`owners`, see _owner.ts); `reapLost` settles the
 * runs of an engine whose lease ran out or whose row is gone.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { CancelRequest, ClaimedRun, PlanRequest, Run } from "../../../core/mod.ts"
import type { Sql, Tx } from "./_client.ts"
import * as Journal from "./_journal.ts"
import { failed, runOf, writeRun } from "./_runs.ts"
import { notify } from "./_signals.ts"

/** The advisory lock class of job keys (the migrations' class is another). */
const JOB_LOCK_CLASS = 0x666c7771 // "flwq"

/** Candidates read per claimed run: room for runs of jobs at their limit. */
const WINDOW = 4

/** Who this queue is and where it signals. */
export interface QueueContext {
  readonly sql: Sql
  readonly node: string
  readonly channel: string
  readonly leaseMs: number
}

type CandidateRow = {
  readonly id: string
  readonly record: string
  readonly request: string | null
  readonly job_key: string | null
  readonly job_limit: number
}

/** What a `PlanRequest` is, to decode one read back from the store. */
const PlanRequestSchema = Schema.Struct({
  job: Schema.String,
  args: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  source: Schema.optional(Schema.String),
  profile: Schema.optional(Schema.String),
  allowOverride: Schema.optional(Schema.Boolean)
})
const decodeRequest = Schema.decodeUnknownEither(Schema.parseJson(PlanRequestSchema))

/** A queued run's request column, decoded (a malformed one fails the claim, naming the run). */
function requestOf(id: string, text: string | null): PlanRequest | null {
  if (text === null) return null
  const decoded = decodeRequest(text)
  if (Either.isLeft(decoded)) throw new Error(`the request of queued run ${id} does not decode: ${decoded.left.message.split("\n")[0]}`)
  return decoded.right
}

/** Claims up to `limit` runs for `ctx.node` (see `RunQueue.claim`). */
export function claim(ctx: QueueContext, limit: number): Promise<ReadonlyArray<ClaimedRun>> {
  const want = Number.isFinite(limit) ? Math.max(0, Math.min(1000, Math.floor(limit))) : 0
  if (want === 0) return Promise.resolve([])
  return ctx.sql.begin(async (tx) => {
    const candidates = await tx<Array<CandidateRow>>`
      SELECT id, record::text AS record, request::text AS request, job_key, job_limit FROM runs
      WHERE status = 'queued' AND owner IS NULL AND (bound_to IS NULL OR bound_to = ${ctx.node})
        -- Jobs already at their limit are passed over here, so that a
        -- backlog of one job does not fill the window and hold back the
        -- runs of others behind it. Only a hint: the count under the lock
        -- below decides.
        AND (job_limit = 0 OR job_limit > (
          SELECT count(*) FROM runs busy
          WHERE busy.job_key = runs.job_key AND busy.owner IS NOT NULL AND busy.status IN ('queued', 'running')))
      ORDER BY created_at, id
      LIMIT ${want * WINDOW}::int
      FOR UPDATE SKIP LOCKED`
    if (candidates.length === 0) return []
    const limited = [...new Set(candidates.filter((c) => c.job_limit > 0 && c.job_key !== null).map((c) => c.job_key!))].sort()
    for (const key of limited) await tx`SELECT pg_advisory_xact_lock(${JOB_LOCK_CLASS}::int, hashtext(${key}::text))`
    // Read under the locks: claims that committed before are counted.
    const busy = new Map<string, number>()
    if (limited.length > 0) {
      const rows = await tx<Array<{ job_key: string; n: number }>>`
        SELECT job_key, count(*)::int AS n FROM runs
        WHERE job_key = ANY(${limited}::text[]) AND owner IS NOT NULL AND status IN ('queued', 'running')
        GROUP BY job_key`
      for (const row of rows) busy.set(row.job_key, row.n)
    }
    const claimed: Array<ClaimedRun> = []
    for (const candidate of candidates) {
      if (claimed.length >= want) break
      if (candidate.job_limit > 0 && candidate.job_key !== null) {
        const n = busy.get(candidate.job_key) ?? 0
        if (n >= candidate.job_limit) continue
        busy.set(candidate.job_key, n + 1)
      }
      claimed.push({ run: runOf(candidate), request: requestOf(candidate.id, candidate.request) })
    }
    if (claimed.length > 0) {
      await tx`UPDATE runs SET owner = ${ctx.node} WHERE id = ANY(${claimed.map((c) => c.run.id)}::text[])`
    }
    return claimed
  })
}

/** See `RunQueue.requestCancel`. */
export function requestCancel(ctx: QueueContext, id: string, at: string, reason: string): Promise<CancelRequest> {
  return ctx.sql.begin(async (tx): Promise<CancelRequest> => {
    const [row] = await tx<Array<{ id: string; record: string; owner: string | null }>>`
      SELECT id, record::text AS record, owner FROM runs WHERE id = ${id} FOR UPDATE`
    if (row === undefined) return { _tag: "NotFound" }
    const run = runOf(row)
    if (run.status !== "queued" && run.status !== "running") return { _tag: "Over", run }
    if (row.owner === null) {
      const canceled: Run = { ...run, status: "canceled", exit_code: null, error: null, finished_at: at }
      await writeRun(tx, canceled)
      const events = await Journal.append(tx, [{ run_id: id, type: "run.canceled", at, data: { reason } }])
      await notify(tx, ctx.channel, { _tag: "Events", latest: events[events.length - 1].id })
      return { _tag: "Canceled", run: canceled }
    }
    await tx`UPDATE runs SET cancel_requested = true WHERE id = ${id}`
    await notify(tx, ctx.channel, { _tag: "Cancel", run_id: id })
    return { _tag: "Requested", node: row.owner }
  })
}

/** See `RunQueue.cancelRequested`. */
export async function cancelRequested(ctx: QueueContext, ids: ReadonlyArray<string>): Promise<ReadonlyArray<string>> {
  if (ids.length === 0) return []
  const rows = await ctx.sql<Array<{ id: string }>>`
    SELECT id FROM runs WHERE id = ANY(${[...ids]}::text[]) AND cancel_requested`
  return rows.map((row) => row.id)
}

/** A run settled by `settleLost`: failed (with where its owner ran), or back in the queue. */
export interface Settled {
  readonly failed: ReadonlyArray<{ readonly id: string; readonly owner: string | null }>
  readonly requeued: number
}

/**
 * Settles, inside `tx`, the queued and running runs in `rows` (locked by
 * the caller), whose engine is gone: a started run fails with `code`; one
 * claimed but not started goes back to the queue when any engine can plan
 * it again, else fails; an unclaimed run only its gone engine could plan
 * fails. Journals a `run.failed` event per failed run and signals.
 */
export async function settleLost(
  tx: Tx,
  channel: string,
  rows: ReadonlyArray<{ readonly record: string; readonly owner: string | null; readonly bound_to: string | null; readonly has_request: boolean }>,
  at: string,
  code: string
): Promise<Settled> {
  const failures: Array<{ id: string; owner: string | null }> = []
  const requeue: Array<string> = []
  const events = []
  for (const row of rows) {
    const run = runOf(row)
    if (run.status === "queued" && row.owner !== null && row.has_request) {
      requeue.push(run.id)
      continue
    }
    const who = row.owner ?? row.bound_to ?? "unknown"
    const detail = code === "engine.node.lost"
      ? `The engine ${who} was lost while the run was ${run.status === "running" ? "running" : "queued"}`
      : `The engine stopped while the run was ${run.status}`
    const error = { code, detail }
    await writeRun(tx, failed(run, at, error))
    events.push({ run_id: run.id, type: "run.failed" as const, at, data: error })
    failures.push({ id: run.id, owner: row.owner ?? row.bound_to })
  }
  if (requeue.length > 0) {
    await tx`UPDATE runs SET owner = NULL WHERE id = ANY(${requeue}::text[])`
    await notify(tx, channel, { _tag: "Runs" })
  }
  if (events.length > 0) {
    const journaled = await Journal.append(tx, events)
    await notify(tx, channel, { _tag: "Events", latest: journaled[journaled.length - 1].id })
  }
  return { failed: failures, requeued: requeue.length }
}

/** See `RunQueue.reapLost`: the runs of engines (other than this one) whose lease is gone. */
export function reapLost(ctx: QueueContext, at: string): Promise<Settled> {
  return ctx.sql.begin(async (tx) => {
    // SKIP LOCKED: of several engines reaping at once, each run is settled
    // by the one that locked it; the others pass it by.
    const rows = await tx<Array<{ record: string; owner: string | null; bound_to: string | null; has_request: boolean }>>`
      SELECT r.record::text AS record, r.owner, r.bound_to, r.request IS NOT NULL AS has_request FROM runs r
      WHERE r.status IN ('queued', 'running')
        AND (
          (r.owner IS NOT NULL AND r.owner <> ${ctx.node}
            AND NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = r.owner AND o.expires_at >= now()))
          OR (r.owner IS NULL AND r.bound_to IS NOT NULL AND r.bound_to <> ${ctx.node}
            AND NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = r.bound_to AND o.expires_at >= now()))
        )
      ORDER BY r.created_at, r.id
      FOR UPDATE OF r SKIP LOCKED`
    const settled = await settleLost(tx, ctx.channel, rows, at, "engine.node.lost")
    await tx`DELETE FROM owners WHERE expires_at < now() AND id <> ${ctx.node}`
    await tx`DELETE FROM leases l WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = l.owner)`
    return settled
  })
}
