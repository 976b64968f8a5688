/**
 * @module
 * What a queued run carries so that another engine can execute it: the
 * request to plan again, unless it had secret arguments (which never reach
 * the store; such a run stays bound to the engine that accepted it), and
 * the job's concurrency key and limit, counted across every engine.
 */
import type { PlanRequest } from "../domain/plan.ts"
import type { ResolvedPlan } from "./runner.ts"
import type { Dispatch } from "./store.ts"

/** The key a job's concurrency limit is counted under: its source and id (JSON: no separator to escape, no NUL, which PostgreSQL text refuses). */
export function jobKey(resolved: ResolvedPlan): string {
  return JSON.stringify([resolved.plan.source, resolved.plan.job_id])
}

/** The job's concurrency limit, 0 for none. */
export function jobLimit(resolved: ResolvedPlan): number {
  const limit = resolved.job.concurrency
  return limit === undefined || limit <= 0 ? 0 : Math.floor(limit)
}

/**
 * The request another engine plans again: the same job of the same
 * source with the same arguments and profile choice; null when only this
 * engine can plan it (no request kept, or a secret argument given).
 */
function replayable(resolved: ResolvedPlan): PlanRequest | null {
  const request = resolved.request
  if (request === undefined) return null
  const args = request.args ?? {}
  if (resolved.secretNames.some((name) => Object.hasOwn(args, name))) return null
  return {
    job: resolved.plan.job_id,
    source: resolved.plan.source,
    args,
    ...(request.profile !== undefined ? { profile: request.profile } : {}),
    ...(request.allowOverride !== undefined ? { allowOverride: request.allowOverride } : {})
  }
}

/** How `resolved` is queued for the engines sharing the store. */
export function dispatchOf(resolved: ResolvedPlan, options: { readonly bound: boolean }): Dispatch {
  return { request: options.bound ? null : replayable(resolved), job_key: jobKey(resolved), job_limit: jobLimit(resolved) }
}
