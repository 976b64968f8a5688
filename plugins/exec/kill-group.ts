/**
 * @module
 * Signalling a whole process group: a job started with `detached: true` is
 * the leader of a group of its own, and everything it forks stays in that
 * group unless it leaves on purpose, so one `kill(-pgid)` reaches the
 * grandchildren a plain `kill(pid)` would orphan.
 */

/**
 * Sends `signal` to every process of the group led by `leader` (a child
 * spawned with `detached: true`); false when the group is already gone.
 * Call it only while the leader has not been reaped: afterwards its id may
 * be reused by an unrelated group.
 *
 * @since 0.1.0
 * @category utils
 * @example
 * ```ts
 * import { spawn } from "node:child_process"
 * import { killGroup } from "flwd"
 *
 * const child = spawn("sh", ["-c", "sleep 60 & sleep 60"], { detached: true })
 * killGroup(child.pid!, "SIGTERM")
 * ```
 */
export function killGroup(leader: number, signal: NodeJS.Signals = "SIGTERM"): boolean {
  if (!Number.isInteger(leader) || leader <= 1) throw new RangeError(`not a process group leader: ${leader}`)
  try {
    process.kill(-leader, signal)
    return true
  } catch (e) {
    if (typeof e === "object" && e !== null && "code" in e && e.code === "ESRCH") return false
    throw e
  }
}
