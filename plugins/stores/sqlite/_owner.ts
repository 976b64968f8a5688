/**
 * @module
 * Run ownership. Several flwd processes may share one data directory (a
 * server and a CLI, two terminals); at start an engine must fail only the
 * runs whose owner is gone, never a run another live process is executing.
 * An owner is `<pid>:<store instance>`. The runs it fails are over: what
 * they left running on this host (the process executor's fallback cannot
 * tie a step's processes to the engine's life) is killed then.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { reapRun } from "../../exec/mod.ts"

const openInstances = new Set<string>()

/** A new owner id for a store instance opened by this process. */
export function newOwner(): string {
  const owner = `${process.pid}:${crypto.randomUUID()}`
  openInstances.add(owner)
  return owner
}

/** Marks this process's store instance closed. */
export function releaseOwner(owner: string): void {
  openInstances.delete(owner)
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
  try {
    // A killed process nobody has reaped yet still answers signal 0.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return true
  }
}

/**
 * Whether a run owned by `owner` is orphaned from the point of view of the
 * instance `self` (which is starting up, so its own runs are orphaned too).
 */
export function orphaned(owner: string | null, self: string): boolean {
  if (owner === null || owner === self) return true
  const pid = Number(owner.slice(0, owner.indexOf(":")))
  if (!Number.isInteger(pid) || pid <= 0) return true
  if (pid === process.pid) return !openInstances.has(owner)
  return !processAlive(pid)
}

/**
 * Kills what is left on this host of the runs `ids`, just failed as
 * `engine.restarted`. Run directories are `<data-dir>/runs/<id>`, beside
 * the database the engine keeps at `<data-dir>/flwd.db`.
 */
export async function reapOrphans(dbPath: string, ids: ReadonlyArray<string>): Promise<void> {
  const onDisk = dbPath !== ":memory:" && dbPath !== ""
  for (const id of ids) await reapRun(onDisk ? join(dirname(dbPath), "runs", id) : null, id)
}
