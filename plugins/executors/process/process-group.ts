/**
 * @module
 * Stopping a step's whole process group. Each step leads its own group
 * (`detached: true`), so one signal reaches every process it started,
 * including grandchildren that outlive their parent.
 */
import { readdirSync, readFileSync } from "node:fs"
import { Clock, Effect } from "effect"

/** Sends `signal` to every process of the group; a vanished group is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // ESRCH: nothing left to signal.
  }
}

// Zombies count as gone: without a reaping init (some containers) orphans
// stay zombies forever, and `kill(-pgid, 0)` still reports them.
function hasLiveMember(pgid: number): boolean {
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return true
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1")
    } catch {
      continue
    }
    // Fields after the parenthesised command name: state ppid pgrp …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true
  }
  return false
}

/**
 * True while any process of the group is alive.
 *
 * @since 0.1.0
 * @category utils
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
  return process.platform === "linux" ? hasLiveMember(pgid) : true
}

const POLL_MS = 25

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if anything is still alive,
 * then waits until the leader has exited and the group is empty. Runs to
 * completion once started: a half-stopped group is what must never happen.
 *
 * @since 0.1.0
 * @category utils
 */
export function stopGroup(pgid: number, leaderExited: Promise<unknown>, graceMs: number): Effect.Effect<void> {
  return Effect.uninterruptible(Effect.gen(function*() {
    if (!groupAlive(pgid)) {
      yield* Effect.promise(() => leaderExited)
      return
    }
    signalGroup(pgid, "SIGTERM")
    const deadline = (yield* Clock.currentTimeMillis) + graceMs
    while (groupAlive(pgid) && (yield* Clock.currentTimeMillis) < deadline) {
      yield* Effect.sleep(POLL_MS)
    }
    if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL")
    yield* Effect.promise(() => leaderExited)
    // SIGKILL is delivered asynchronously; a process in uninterruptible
    // sleep may take a moment. Bounded, so a stuck kernel task cannot hang us.
    const killDeadline = (yield* Clock.currentTimeMillis) + 2000
    while (groupAlive(pgid) && (yield* Clock.currentTimeMillis) < killDeadline) {
      yield* Effect.sleep(POLL_MS)
    }
  }))
}
