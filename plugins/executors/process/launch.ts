/**
 * @module
 * Starting one step under the containment in force, and what stopping it
 * and reading its exit status mean there. Under a PID namespace the
 * spawned process is bubblewrap, which runs the step's program as the
 * namespace's first process and exits with its status; under the fallback
 * it is the program itself, leading a new session and process group, with
 * its pid and start time recorded for a restart after a crash.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { constants } from "node:os"
import type { Readable } from "node:stream"
import type * as Effect from "effect/Effect"
import type { ExecResult } from "../../../core/mod.ts"
import { type BwrapStatus, readBwrapStatus, readStat, removeRecord, writeRecord } from "../../exec/mod.ts"
import { type Containment, NAMESPACE_ARGS } from "./containment.ts"
import { stopGroup } from "./process-group.ts"
import { stopNamespace } from "./pid-namespace-step.ts"

/**
 * What to start.
 *
 * @since 0.1.0
 * @category models
 */
export interface LaunchSpec {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly containment: Containment
  /** The run, whose marker the fallback looks for. */
  readonly runId: string
  /** The fallback's record of the step's leader. */
  readonly record: string
}

/** How the main process ended. */
export interface ExitStatus {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/**
 * A started step.
 *
 * @since 0.1.0
 * @category models
 */
export interface Launched {
  readonly child: ChildProcess
  /** Resolves when the step's main process has exited. */
  readonly exited: Promise<ExitStatus>
  /** Stops everything the step started (SIGTERM, SIGKILL after `graceMs`); runs to completion. */
  readonly stop: (graceMs: number) => Effect.Effect<void>
  /** The exit status as the step's, or why the program could not run (bubblewrap's words). */
  readonly result: (status: ExitStatus, firstStderr: string | undefined) => ExecResult | { readonly failure: string }
  /** Forgets the step once nothing of it is left. */
  readonly release: () => void
}

const signals = constants.signals as Record<string, number>
const byNumber = new Map(Object.entries(signals).map(([name, n]) => [n, name as NodeJS.Signals]))

function fromStatus(status: ExitStatus): ExecResult {
  if (status.signal !== null) return { exitCode: 128 + (signals[status.signal] ?? 0), signal: status.signal }
  return { exitCode: status.code ?? 0, signal: null }
}

function watch(child: ChildProcess): { exited: Promise<ExitStatus>; isExited: () => boolean } {
  let done = false
  const exited = new Promise<ExitStatus>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      done = true
      resolve({ code, signal })
    }
    if (child.exitCode !== null || child.signalCode !== null) finish(child.exitCode, child.signalCode)
    else child.once("exit", finish)
  })
  return { exited, isExited: () => done }
}

/**
 * Spawns the step; throws what `spawn` throws. The caller waits for the
 * child's `spawn` event before calling `attach`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function spawnStep(spec: LaunchSpec): { child: ChildProcess; attach: () => Launched } {
  if (spec.containment.kind === "pid-namespace") {
    const args = [...NAMESPACE_ARGS, "--json-status-fd", "3", "--chdir", spec.cwd, "--", spec.command, ...spec.args]
    // bubblewrap passes its environment on, and finds a bare name on its PATH.
    const child = spawn(spec.containment.bwrap, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      shell: false
    })
    return { child, attach: () => namespaceLaunched(child) }
  }
  // Own session and process group: one signal reaches what stays in them.
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    shell: false
  })
  return { child, attach: () => groupLaunched(child, spec) }
}

function namespaceLaunched(child: ChildProcess): Launched {
  const { exited, isExited } = watch(child)
  const status: BwrapStatus = {}
  readBwrapStatus(child.stdio[3] as Readable, status)
  const step = { bwrapPid: child.pid as number, status, isExited }
  return {
    child,
    exited,
    stop: (graceMs) => stopNamespace(step, exited, graceMs),
    result: (s, first) => {
      // bubblewrap reports its own failures (an execvp that failed) on
      // stderr and exits 1; a job's death by signal N comes back as 128 + N.
      if (s.code === 1 && first?.startsWith("bwrap: ")) return { failure: first.slice(7) }
      const signal = s.code !== null && s.code > 128 ? byNumber.get(s.code - 128) : undefined
      return signal !== undefined ? { exitCode: s.code as number, signal } : fromStatus(s)
    },
    release: () => undefined
  }
}

function groupLaunched(child: ChildProcess, spec: LaunchSpec): Launched {
  const { exited, isExited } = watch(child)
  const pid = child.pid as number
  const stat = readStat(pid)
  const leader = { pid, start: stat?.start ?? 0 }
  try {
    if (stat !== null) writeRecord(spec.record, leader)
  } catch {
    // Without the record only a restart after a crash misses the step's
    // group; the run's marker still finds what carries it.
  }
  const step = { leader, runId: spec.runId, leaderExited: isExited }
  return {
    child,
    exited,
    stop: (graceMs) => stopGroup(step, exited, graceMs),
    result: (s) => fromStatus(s),
    release: () => removeRecord(spec.record)
  }
}
