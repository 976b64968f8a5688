/**
 * @module
 * The processes of one sandbox, found by their PID namespace. bubblewrap
 * reports the namespace's inode on its status descriptor; every process of
 * the sandbox (the job, its children, orphans reparented to the sandbox's
 * pid 1) shares it, whatever session or process group the job set up.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

// The sandbox's pid 1 outlives bubblewrap as a zombie until the host's
// init reaps it, which some container inits do late or never.
function dead(pid: string): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
  const state = stat.charAt(stat.lastIndexOf(")") + 2)
  return state === "Z" || state === "X"
}

/** Host pids of the live (not zombie) processes whose PID namespace is `inode`. */
export function namespaceMembers(inode: number): Array<number> {
  const wanted = `pid:[${inode}]`
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return []
  }
  const pids: Array<number> = []
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === wanted && !dead(entry)) pids.push(Number(entry))
    } catch {
      // Exited meanwhile, or a process we may not inspect (not ours).
    }
  }
  return pids
}

/** Sends a signal to each pid; vanished ones are fine. */
export function signalAll(pids: ReadonlyArray<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // ESRCH: already gone.
    }
  }
}
