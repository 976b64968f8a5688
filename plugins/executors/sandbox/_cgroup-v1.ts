/**
 * @module
 * cgroup v1 for sandbox limits, for hosts that mount the v1 hierarchies
 * (one per controller, or a few controllers co-mounted) rather than a
 * cgroup2 tree with controllers. A step gets a child of flwd's own cgroup
 * in the memory, pids and cpu hierarchies (and freezer, to stop everything
 * in it at once): `memory.limit_in_bytes` with `memory.memsw.limit_in_bytes`
 * (where swap is accounted) bounds all its processes together, tmpfs pages
 * included; `pids.max` its task count; `cpu.cfs_quota_us` its CPU rate.
 * v1 has no "no internal processes" rule, so flwd's own cgroup serves as
 * the parent wherever it may create children.
 */
import { existsSync } from "node:fs"
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { counter, killAll, killAndRemove, members, readOwnCgroups } from "./_cgroup-fs.ts"
import { cpuQuota, type Limits } from "./limits.ts"

/** Controllers a step needs, and the file proving each one works. */
const REQUIRED: Readonly<Record<string, string>> = { memory: "memory.limit_in_bytes", pids: "pids.max", cpu: "cpu.cfs_quota_us" }
const OPTIONAL: Readonly<Record<string, string>> = { freezer: "freezer.state" }

/** flwd's own directory in each v1 hierarchy, by controller. */
export type V1Parents = Readonly<Record<string, string>>

/** This process's directory in every mounted v1 hierarchy, by controller name. */
function ownV1Dirs(): Record<string, string> {
  const proc = readOwnCgroups()
  if (proc === null) return {}
  const { self, mounts } = proc
  const paths = new Map<string, string>()
  for (const line of self.split("\n")) {
    const [id, controllers, path] = line.split(/:(.*?):/)
    if (id === undefined || id === "0" || path === undefined) continue
    for (const c of controllers.split(",")) paths.set(c, path)
  }
  const out: Record<string, string> = {}
  // mountinfo: id parent major:minor root mount-point options … - fstype source super-options
  for (const fields of mounts.split("\n").map((l) => l.split(" "))) {
    const dash = fields.indexOf("-")
    if (dash < 0 || fields[dash + 1] !== "cgroup") continue
    const [root, point] = [fields[3], fields[4]]
    for (const c of (fields[dash + 3] ?? "").split(",")) {
      const path = paths.get(c)
      // In a container the mount's root is the container's cgroup: strip it.
      if (path === undefined || !(path === root || path.startsWith(root === "/" ? "/" : `${root}/`))) continue
      out[c] = join(point, path.slice(root === "/" ? 0 : root.length))
    }
  }
  return out
}

/**
 * flwd's own cgroups in the v1 hierarchies a step needs, when it may
 * create children with working limits there; null otherwise. Probes by
 * creating and removing a child in each.
 */
export async function findV1Parents(): Promise<V1Parents | null> {
  const own = ownV1Dirs()
  const parents: Record<string, string> = {}
  for (const [controller, file] of Object.entries({ ...REQUIRED, ...OPTIONAL })) {
    const dir = own[controller]
    if (dir === undefined) continue
    const probe = join(dir, `flwd-probe-${process.pid}`)
    try {
      await mkdir(probe)
      if (existsSync(join(probe, file))) parents[controller] = dir
    } catch {
      // Not writable: this controller is unusable.
    }
    await rmdir(probe).catch(() => undefined)
  }
  return Object.keys(REQUIRED).every((c) => c in parents) ? parents : null
}

/** The step's directory in each hierarchy; co-mounted controllers share one. */
function stepDirs(parents: V1Parents, name: string): Array<string> {
  return [...new Set(Object.values(parents).map((p) => join(p, name)))]
}

/** File values for the limits, by controller. */
function values(limits: Limits): Array<readonly [controller: string, file: string, value: string]> {
  const out: Array<readonly [string, string, string]> = []
  if (limits.memoryBytes !== undefined) {
    out.push(["memory", "memory.limit_in_bytes", String(limits.memoryBytes)])
    // Without this the limit only pushes the sandbox into swap; it must not be below the limit above, so it comes second.
    out.push(["memory", "memory.memsw.limit_in_bytes", String(limits.memoryBytes)])
  }
  if (limits.pids !== undefined) out.push(["pids", "pids.max", String(limits.pids)])
  if (limits.cpus !== undefined) {
    out.push(["cpu", "cpu.cfs_period_us", "100000"])
    out.push(["cpu", "cpu.cfs_quota_us", String(cpuQuota(limits.cpus))])
  }
  return out
}

/** Creates a step's cgroups with their limits written; returns their directories. */
export async function createV1(parents: V1Parents, name: string, limits: Limits): Promise<Array<string>> {
  const dirs = stepDirs(parents, name)
  const made: Array<string> = []
  try {
    for (const dir of dirs) {
      await mkdir(dir)
      made.push(dir)
    }
    for (const [controller, file, value] of values(limits)) {
      const path = join(parents[controller], name, file)
      // memsw files are missing where swap accounting is off; the rest must apply.
      if (file === "memory.memsw.limit_in_bytes" && !existsSync(path)) continue
      await writeFile(path, value)
    }
  } catch (e) {
    for (const dir of made) await rmdir(dir).catch(() => undefined)
    throw e
  }
  return dirs
}

/** Processes the memory ceiling killed, and forks the pids ceiling refused. */
export async function v1Events(parents: V1Parents, name: string): Promise<{ readonly oomKills: number; readonly forksRefused: number }> {
  return {
    oomKills: await counter(join(parents.memory, name, "memory.oom_control"), "oom_kill"),
    forksRefused: await counter(join(parents.pids, name, "pids.events"), "max")
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Kills everything in a step's cgroups and removes them; never fails. v1
 * has no `cgroup.kill`: with the freezer, the members are frozen first so
 * none can fork while they are killed; without it, killing repeats until
 * the cgroups are empty (the pids ceiling bounds how long that takes).
 */
export async function destroyV1(parents: V1Parents, name: string): Promise<void> {
  const freezer = parents.freezer === undefined ? undefined : join(parents.freezer, name)
  if (freezer !== undefined && (await writeFile(join(freezer, "freezer.state"), "FROZEN").then(() => true, () => false))) {
    for (let i = 0; i < 50; i++) {
      const state = (await readFile(join(freezer, "freezer.state"), "utf8").catch(() => "")).trim()
      if (state !== "FREEZING") break
      await sleep(20)
    }
    killAll(await members(freezer))
    await writeFile(join(freezer, "freezer.state"), "THAWED").catch(() => undefined)
  }
  await killAndRemove(stepDirs(parents, name))
}
