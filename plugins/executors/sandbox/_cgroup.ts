/**
 * @module
 * cgroup v2 for sandbox limits: finding a cgroup where flwd may create
 * children with the memory, pids and cpu controllers, and one child per step.
 * cgroup v2 forbids controllers below a cgroup that holds processes (the
 * "no internal processes" rule), so the parent is either the root of a
 * cgroup namespace, an explicitly delegated directory (option
 * `cgroupParent`), or — most hosts — unusable, and rlimits apply instead.
 */
import { existsSync } from "node:fs"
import { mkdir, rmdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { killAndRemove, readOwnCgroups, words } from "./_cgroup-fs.ts"
import { cgroupValues, type Limits } from "./limits.ts"

const wanted = ["memory", "pids", "cpu"]

/** The cgroup v2 directory of this process, when cgroup2 is mounted. */
function ownCgroup(): string | null {
  const proc = readOwnCgroups()
  if (proc === null) return null
  const { self, mounts } = proc
  const line = self.split("\n").find((l) => l.startsWith("0::"))
  if (line === undefined) return null
  // mountinfo: id parent major:minor root mount-point options … - fstype source …
  const mount = mounts.split("\n").map((l) => l.split(" ")).find((f) => f[f.indexOf("-") + 1] === "cgroup2")
  if (mount === undefined) return null
  return join(mount[4], line.slice(3))
}

/**
 * Returns a cgroup directory under which per-step cgroups with memory, pids
 * and cpu limits can be created, or null. Probes by creating and removing a child.
 */
export async function findCgroupParent(explicit?: string): Promise<string | null> {
  const parent = explicit ?? ownCgroup()
  if (parent === null || !existsSync(join(parent, "cgroup.controllers"))) return null
  if (!wanted.every((c) => words(join(parent, "cgroup.controllers")).includes(c))) return null
  if (!wanted.every((c) => words(join(parent, "cgroup.subtree_control")).includes(c))) {
    try {
      await writeFile(join(parent, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "))
    } catch {
      return null
    }
  }
  const probe = join(parent, `flwd-probe-${process.pid}`)
  try {
    await mkdir(probe)
    const ok = ["memory.max", "pids.max", "cpu.max"].every((f) => existsSync(join(probe, f)))
    await rmdir(probe)
    return ok ? parent : null
  } catch {
    await rmdir(probe).catch(() => undefined)
    return null
  }
}

/** Creates the cgroup of one step with its limits written. */
export async function createCgroup(parent: string, name: string, limits: Limits): Promise<string> {
  const dir = join(parent, name)
  await mkdir(dir)
  try {
    for (const [file, value] of cgroupValues(limits)) {
      // memory.swap.max is missing where swap accounting is off; the rest must apply.
      if (file === "memory.swap.max" && !existsSync(join(dir, file))) continue
      await writeFile(join(dir, file), value)
    }
  } catch (e) {
    await rmdir(dir).catch(() => undefined)
    throw e
  }
  return dir
}

/** Kills whatever is left in the cgroup and removes it; never fails. */
export async function destroyCgroup(dir: string): Promise<void> {
  // cgroup.kill (Linux 5.14+) SIGKILLs every member at once.
  await writeFile(join(dir, "cgroup.kill"), "1").catch(() => undefined)
  await killAndRemove([dir])
}
