/**
 * @module
 * The cgroup that holds one sandbox, whatever cgroup version the host has:
 * found once (v2 first, then v1), created before the sandbox starts,
 * joined by the launcher before bubblewrap runs, and killed and removed
 * when the step ends. Ceilings bound the whole run this way; the rlimit
 * fallback bounds each process only (`limits.ts`).
 */
import { join } from "node:path"
import { counter } from "./_cgroup-fs.ts"
import { createCgroup, destroyCgroup, findCgroupParent } from "./_cgroup.ts"
import { createV1, destroyV1, findV1Parents, v1Events, type V1Parents } from "./_cgroup-v1.ts"
import type { Limits } from "./limits.ts"

/**
 * Where per-step cgroups go on this host.
 *
 * @since 0.1.0
 * @category models
 */
export type CgroupHost =
  | { readonly version: 2; readonly parent: string }
  | { readonly version: 1; readonly parents: V1Parents }

/**
 * One step's cgroup.
 *
 * @since 0.1.0
 * @category models
 */
export interface StepCgroup {
  readonly host: CgroupHost
  readonly name: string
  /** Directories whose `cgroup.procs` the sandbox joins (one per v1 hierarchy). */
  readonly dirs: ReadonlyArray<string>
}

/**
 * How the ceilings are enforced, as the plan and `flwd :policy show` say it.
 *
 * @since 0.1.0
 * @category models
 */
export type Enforcement = "cgroup v2" | "cgroup v1" | "rlimit (per process)"

/**
 * Finds where per-step cgroups can be made: a cgroup v2 directory with the
 * memory, pids and cpu controllers (`explicitV2` when given), else flwd's
 * own cgroups in the v1 memory, pids and cpu hierarchies; null when neither.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function findCgroupHost(explicitV2?: string): Promise<CgroupHost | null> {
  const parent = await findCgroupParent(explicitV2)
  if (parent !== null) return { version: 2, parent }
  if (explicitV2 !== undefined) return null
  const parents = await findV1Parents()
  return parents === null ? null : { version: 1, parents }
}

/** @since 0.1.0 @category constructors */
export function enforcementOf(host: CgroupHost | null | undefined): Enforcement {
  return host == null ? "rlimit (per process)" : host.version === 2 ? "cgroup v2" : "cgroup v1"
}

/**
 * Creates the cgroup of one step with its limits written.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function createStepCgroup(host: CgroupHost, name: string, limits: Limits): Promise<StepCgroup> {
  const dirs = host.version === 2 ? [await createCgroup(host.parent, name, limits)] : await createV1(host.parents, name, limits)
  return { host, name, dirs }
}

/**
 * What the ceilings did to the step: processes the kernel killed at the
 * memory ceiling, forks refused at the pids ceiling.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function stepEvents(cg: StepCgroup): Promise<{ readonly oomKills: number; readonly forksRefused: number }> {
  if (cg.host.version === 1) return v1Events(cg.host.parents, cg.name)
  const dir = cg.dirs[0]
  return { oomKills: await counter(join(dir, "memory.events"), "oom_kill"), forksRefused: await counter(join(dir, "pids.events"), "max") }
}

/**
 * Kills everything left in the step's cgroup and removes it; never fails.
 *
 * @since 0.1.0
 * @category constructors
 */
export function destroyStepCgroup(cg: StepCgroup): Promise<void> {
  return cg.host.version === 2 ? destroyCgroup(cg.dirs[0]) : destroyV1(cg.host.parents, cg.name)
}
