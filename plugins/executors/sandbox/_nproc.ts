/**
 * @module
 * The `RLIMIT_NPROC` of the rlimit fallback. The kernel compares it with
 * every task (process or thread) of the host user, not the sandbox's, so
 * flwd sets it to the tasks that user has now plus the pids ceiling: the
 * sandbox may start about that many, less whatever the user starts
 * meanwhile. Root is exempt from the limit, so none is set for it.
 */
import { readdirSync, readFileSync } from "node:fs"

/** Tasks (threads included) whose real uid is `uid`, from `/proc/<pid>/status`. */
function tasksOf(uid: number): number {
  let total = 0
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue
    try {
      const status = readFileSync(`/proc/${entry}/status`, "latin1")
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue
      total += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1)
    } catch {
      // Exited meanwhile.
    }
  }
  return total
}

/**
 * The `RLIMIT_NPROC` value for a sandbox allowed `pids` tasks; undefined
 * when there is no ceiling or the engine runs as root (which ignores it).
 */
export function nprocBudget(pids: number | undefined): number | undefined {
  const uid = process.getuid?.()
  if (pids === undefined || uid === undefined || uid === 0) return undefined
  return tasksOf(uid) + pids
}
