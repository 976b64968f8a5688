/**
 * @module
 * The ceilings as a user reads them: what bounds a run (the plan's
 * `bounds`, defaults included) and, after a step, a line for its log when a
 * ceiling is what stopped it — a job killed at the memory ceiling otherwise
 * only shows exit code 137.
 */
import { type StepCgroup, stepEvents } from "./cgroups.ts"
import type { Ceilings, Limits } from "./limits.ts"

/**
 * What bounds each run: memory and CPU as written (null: unbounded), the
 * process count and the `/tmp` size (always bounded, by default or policy).
 *
 * @since 0.1.0
 * @category models
 */
export interface Bounds {
  readonly memory: string | null
  readonly cpu: string | null
  readonly pids: number | null
  readonly tmp: string | null
}

/** @since 0.1.0 @category constructors */
export function describeBounds(ceilings: Ceilings): Bounds {
  return { memory: ceilings.memory ?? null, cpu: ceilings.cpu ?? null, pids: ceilings.pids ?? null, tmp: ceilings.tmp ?? null }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/**
 * Lines for the step's stderr saying which ceiling the step reached; none
 * when it reached none.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function ceilingNotices(cgroup: StepCgroup, ceilings: Ceilings, limits: Limits): Promise<Array<string>> {
  const events = await stepEvents(cgroup)
  const out: Array<string> = []
  if (limits.memoryBytes !== undefined && events.oomKills > 0) {
    out.push(`flwd: the sandbox reached its memory ceiling (${ceilings.memory}): the kernel killed ${plural(events.oomKills, "process", "processes")}`)
  }
  if (limits.pids !== undefined && events.forksRefused > 0) {
    out.push(`flwd: the sandbox reached its process ceiling (pids ${limits.pids}): ${plural(events.forksRefused, "fork was", "forks were")} refused`)
  }
  return out
}
