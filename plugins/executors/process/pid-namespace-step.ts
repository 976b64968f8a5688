/**
 * @module
 * Stopping a step that runs in a PID namespace of its own (bubblewrap with
 * `--unshare-pid`). bubblewrap exits as soon as the step's main process
 * does, and `--die-with-parent` then kills the namespace's pid 1, which
 * makes the kernel kill every process left inside; SIGKILL to pid 1 does
 * the same at any time. So the namespace ends with its main process, and a
 * stop is: SIGTERM to every member but pid 1, SIGKILL to pid 1 after the
 * grace period unless the main process has exited by then.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type BwrapStatus, namespaceMembers, signalAll } from "../../exec/mod.ts"
import { killAll } from "./process-group.ts"

/**
 * A step under bubblewrap.
 *
 * @since 0.1.0
 * @category models
 */
export interface NamespaceStep {
  /** bubblewrap's pid, leader of its own process group. */
  readonly bwrapPid: number
  readonly status: BwrapStatus
  /** bubblewrap has exited (so has the step's main process). */
  readonly isExited: () => boolean
}

const POLL_MS = 25

/**
 * The live processes of the namespace, pid 1 included.
 *
 * @since 0.1.0
 * @category utils
 */
export function namespaceStepMembers(step: NamespaceStep): Array<number> {
  return step.status.pidNamespace === undefined ? [] : namespaceMembers(step.status.pidNamespace)
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL")
  } catch {
    // The group is gone.
  }
}

/**
 * SIGTERM to the step, SIGKILL to the namespace after `graceMs`; then waits
 * until nothing of it is left (bounded). Runs to completion once started.
 *
 * @since 0.1.0
 * @category utils
 */
export function stopNamespace(step: NamespaceStep, exited: Promise<unknown>, graceMs: number): Effect.Effect<void> {
  return Effect.uninterruptible(Effect.gen(function* () {
    if (step.isExited()) {
      // bubblewrap is gone, so is its pid 1 (`--die-with-parent`): only
      // stragglers being killed by the kernel remain, drained below. Its
      // group id may already name someone else's group.
    } else if (step.status.pidNamespace === undefined) {
      // bubblewrap has not reported the namespace yet; killing bubblewrap
      // kills its pid 1 (`--die-with-parent`), and with it the namespace.
      killGroup(step.bwrapPid)
    } else {
      const termed = new Set<number>()
      const deadline = (yield* Clock.currentTimeMillis) + graceMs
      while (!step.isExited() && (yield* Clock.currentTimeMillis) < deadline) {
        // pid 1 is bubblewrap's reaper: a SIGTERM would only kill it early.
        const members = namespaceStepMembers(step).filter((p) => p !== step.status.childPid && !termed.has(p))
        signalAll(members, "SIGTERM")
        for (const p of members) termed.add(p)
        yield* Effect.sleep(POLL_MS)
      }
      if (step.status.childPid !== undefined) signalAll([step.status.childPid], "SIGKILL")
      killGroup(step.bwrapPid)
    }
    yield* Effect.promise(() => exited)
    yield* killAll(() => namespaceStepMembers(step))
  }))
}
