/**
 * @module
 * Run rows: a run is kept whole in `record`, with the columns that queries
 * filter, sort or claim on copied beside it. Shared by the store's methods
 * and the run queue, which both rewrite records inside their transactions.
 */
import type { Run } from "../../../core/mod.ts"
import type { Sql, Tx } from "./_client.ts"

/** A run's row (`record`, as text) as its run, decoded with its Schema (a malformed row fails, naming it). */
export { runOf } from "../sqlite/mod.ts"

/** Rewrites the row of `run` (which exists) from the run. */
export function writeRun(tx: Sql | Tx, run: Run): Promise<unknown> {
  return tx`UPDATE runs SET job_id = ${run.job_id}, status = ${run.status}, created_at = ${run.created_at},
     record = ${JSON.stringify(run)}::text::json WHERE id = ${run.id}`
}

/** What a failed run's record and `run.failed` event say. */
export interface Failure {
  readonly code: string
  readonly detail: string
}

/** `run` failed at `at` for `error`: its record rewritten, and its `run.failed` event (the caller journals it). */
export function failed(run: Run, at: string, error: Failure): Run {
  return { ...run, status: "failed", exit_code: null, error, finished_at: at }
}
