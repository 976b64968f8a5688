/**
 * @module
 * The fallback containment: stopping a step that runs without a PID
 * namespace. The step leads its own session and process group; what it
 * started is every process of that session or group, plus every process
 * that carries the run's marker in its environment and no longer has a
 * parent of the run (what left the session by `setsid` or a double fork
 * and was orphaned). An escaped process that also replaced its environment
 * is not found: that is the limit of this fallback.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type Leader, liveProcesses, markedProcesses, sessionMembers, signalAll } from "../../exec/mod.ts"

/**
 * A step running in its own session and group.
 *
 * @since 0.1.0
 * @category models
 */
export interface GroupStep {
  readonly leader: Leader
  readonly runId: string
  /** The leader has exited (and been reaped): its pid may name another process. */
  readonly leaderExited: () => boolean
}

/**
 * The live processes of the step (see the module comment).
 *
 * @since 0.1.0
 * @category utils
 */
export function groupMembers(step: GroupStep): Array<number> {
  const table = liveProcesses()
  const own = sessionMembers([step.leader], table).map((p) => p.pid)
  const marked = markedProcesses(step.runId, table)
  const markedPids = new Set(marked.map((p) => p.pid))
  // The engine's own children are the leaders of this run's other steps;
  // a marked process with a marked parent is still someone's child.
  const escaped = marked.filter((p) => p.ppid !== process.pid && !markedPids.has(p.ppid)).map((p) => p.pid)
  return [...new Set([...own, ...escaped])]
}

const POLL_MS = 50

// The whole group by its id, while the leader keeps that id ours; this also
// reaches the group where there is no `/proc` to list its members.
function signalGroup(step: GroupStep, signal: NodeJS.Signals): void {
  if (step.leaderExited()) return
  try {
    process.kill(-step.leader.pid, signal)
  } catch {
    // ESRCH: nothing left to signal.
  }
}

/**
 * SIGKILL until nothing of the step is left. Bounded, so a process stuck in
 * the kernel cannot hang the engine.
 *
 * @since 0.1.0
 * @category utils
 */
export const killAll = (members: () => ReadonlyArray<number>): Effect.Effect<void> =>
  Effect.gen(function* () {
    const deadline = (yield* Clock.currentTimeMillis) + 2000
    let left = members()
    while (left.length > 0 && (yield* Clock.currentTimeMillis) < deadline) {
      signalAll(left, "SIGKILL")
      yield* Effect.sleep(POLL_MS)
      left = members()
    }
  })

/**
 * SIGTERM to every process of the step (and to any that turns up while
 * waiting), SIGKILL after `graceMs` to whatever is still alive, then waits
 * for the leader. Runs to completion once started: a half-stopped step is
 * what must never happen.
 *
 * @since 0.1.0
 * @category utils
 */
export function stopGroup(step: GroupStep, leaderExited: Promise<unknown>, graceMs: number): Effect.Effect<void> {
  return Effect.uninterruptible(Effect.gen(function* () {
    // One SIGTERM each: a trap must not run twice.
    const inGroup = step.leaderExited() ? [] : liveProcesses().filter((p) => p.pgrp === step.leader.pid)
    const termed = new Set<number>(inGroup.map((p) => p.pid))
    signalGroup(step, "SIGTERM")
    const term = () => {
      const members = groupMembers(step)
      signalAll(members.filter((p) => !termed.has(p)), "SIGTERM")
      for (const p of members) termed.add(p)
      return members.length
    }
    const deadline = (yield* Clock.currentTimeMillis) + graceMs
    while (term() > 0 && (yield* Clock.currentTimeMillis) < deadline) yield* Effect.sleep(POLL_MS)
    signalGroup(step, "SIGKILL")
    yield* killAll(() => groupMembers(step))
    yield* Effect.promise(() => leaderExited)
  }))
}
