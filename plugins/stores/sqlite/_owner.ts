/**
 * @module
 * Run ownership. Several flwd processes may share one data directory (a
 * server and a CLI, two terminals); at start an engine must fail only the
 * runs whose owner is gone, never a run another live store instance is
 * executing. An owner is `<pid>:<store instance>`, and each open instance
 * has its row in the file's `owners` table from opening to closing: the
 * file, not module state, says which instances are open, so two stores in
 * one process see each other as they see another process's. The runs an
 * engine fails are over: what they left running on this host (the process
 * executor's fallback cannot tie a step's processes to the engine's life)
 * is killed then.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { codeOf } from "../../../core/mod.ts"
import { reapRun } from "../../exec/mod.ts"
import type { Database } from "./_database.ts"

/**
 * A new owner id for a store instance opening `db`, registered in it; the
 * rows of instances whose process is gone (killed before closing) are
 * dropped on the way.
 */
export function newOwner(db: Database): string {
  const owner = `${process.pid}:${crypto.randomUUID()}`
  db.transaction(() => {
    for (const row of db.statement("SELECT owner, pid FROM owners").all()) {
      if (!processAlive(Number(row.pid))) db.statement("DELETE FROM owners WHERE owner = ?").run(row.owner as string)
    }
    db.statement("INSERT INTO owners (owner, pid, started_at) VALUES (?, ?, ?)").run(owner, process.pid, new Date().toISOString())
  })
  return owner
}

/** Marks the store instance closed, giving up its leases. */
export function releaseOwner(db: Database, owner: string): void {
  db.transaction(() => {
    db.statement("DELETE FROM leases WHERE owner = ?").run(owner)
    db.statement("DELETE FROM owners WHERE owner = ?").run(owner)
  })
}

/** The owners registered as open in `db`. */
export function openOwners(db: Database): ReadonlySet<string> {
  return new Set(db.statement("SELECT owner FROM owners").all().map((row) => row.owner as string))
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    return codeOf(e) === "EPERM"
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
 * instance `self` (which is starting up, so its own runs are orphaned too):
 * its instance is no longer open, or its process is gone.
 */
export function orphaned(owner: string | null, self: string, open: ReadonlySet<string>): boolean {
  if (owner === null || owner === self) return true
  return !ownerAlive(owner, open)
}

/** Whether the store instance `owner` is open and its process alive. */
export function ownerAlive(owner: string, open: ReadonlySet<string>): boolean {
  return open.has(owner) && processAlive(Number(owner.slice(0, owner.indexOf(":"))))
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
