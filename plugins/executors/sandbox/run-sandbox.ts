/**
 * @module
 * Runs one bubblewrap sandbox to completion: spawn it (options passed on a
 * descriptor), stream its output line by line with backpressure, and stop
 * everything in it on interruption.
 *
 * Stopping: SIGTERM goes to every process of the sandbox's PID namespace
 * (bubblewrap does not forward signals, and `--new-session` puts the job
 * outside the engine's process group); after the grace period the
 * sandbox's pid 1 gets SIGKILL, which makes the kernel kill the whole
 * namespace. The effect ends only once no process of the sandbox is left.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { constants } from "node:os"
import type { Readable, Writable } from "node:stream"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { ExecutorError } from "../../../core/mod.ts"
import type { ExecResult } from "../../../core/mod.ts"
import { type BwrapStatus, makeLineSplitter, namespaceMembers, readBwrapStatus, signalAll } from "../../exec/mod.ts"

/**
 * What to spawn. `command`/`args` are bubblewrap or a wrapper that execs it
 * (`prlimit`, a cgroup-joining shell); they must end with `--args 4` and
 * the job's argv.
 *
 * @since 0.1.0
 * @category models
 */
export interface SandboxProcess {
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** bubblewrap's options, encoded for `--args 4`. */
  readonly options: Uint8Array
  /** The step's program as written, for messages. */
  readonly display: string
  readonly killGraceMs: number
  readonly onOutput: (stream: "stdout" | "stderr", lines: ReadonlyArray<string>) => Effect.Effect<void>
}

/** Descriptors bubblewrap is told about: status out, options in. */
export const STATUS_FD = 3
export const ARGS_FD = 4

type Status = BwrapStatus

const POLL_MS = 25

const start = (spec: SandboxProcess) =>
  Effect.async<ChildProcess, ExecutorError>((resume) => {
    const fail = (e: unknown) =>
      resume(Effect.fail(
        new ExecutorError({
          code: "executor.failed",
          detail: `cannot start the sandbox: ${e instanceof Error ? e.message : String(e)}`,
          cause: e
        })
      ))
    let child: ChildProcess
    try {
      child = spawn(spec.command, spec.args, {
        // bubblewrap runs on the host: it gets no job variable (LD_PRELOAD
        // from an image must not reach it); the job's come via --setenv.
        env: { PATH: "/usr/bin:/bin" },
        detached: true,
        stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"],
        shell: false
      })
    } catch (e) {
      fail(e)
      return
    }
    child.once("error", fail)
    child.once("spawn", () => {
      child.off("error", fail)
      child.on("error", () => undefined)
      const input = child.stdio[ARGS_FD] as Writable
      // bubblewrap may die before reading its options; the exit code tells why.
      input.on("error", () => undefined)
      input.end(spec.options)
      resume(Effect.succeed(child))
    })
  })

const pump = (readable: Readable, name: "stdout" | "stderr", spec: SandboxProcess, first: { line?: string }) =>
  Effect.gen(function* () {
    const split = makeLineSplitter()
    const it = readable[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    const emit = (lines: Array<string>) => {
      if (name === "stderr" && first.line === undefined && lines.length > 0) first.line = lines[0]
      return lines.length > 0 ? spec.onOutput(name, lines) : Effect.void
    }
    while (true) {
      const next = yield* Effect.promise(() => it.next().catch(() => ({ done: true as const, value: undefined })))
      if (next.done) break
      yield* emit(split.push(next.value))
    }
    yield* emit(split.end())
  })

const members = (status: Status) => (status.pidNamespace === undefined ? [] : namespaceMembers(status.pidNamespace))

function killOuter(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is gone.
  }
}

/** Waits (bounded) until the namespace is empty, killing stragglers. */
const drain = (status: Status) =>
  Effect.gen(function* () {
    const deadline = (yield* Clock.currentTimeMillis) + 2000
    let left = members(status)
    while (left.length > 0 && (yield* Clock.currentTimeMillis) < deadline) {
      signalAll(left, "SIGKILL")
      yield* Effect.sleep(POLL_MS)
      left = members(status)
    }
  })

/** SIGTERM to the sandbox, SIGKILL after the grace period; runs to completion. */
const stop = (pid: number, exited: Promise<unknown>, isExited: () => boolean, status: Status, graceMs: number) =>
  Effect.uninterruptible(Effect.gen(function* () {
    if (status.pidNamespace === undefined) {
      // Still setting up: nothing of the job runs yet.
      killOuter(pid, "SIGKILL")
    } else if (!isExited()) {
      signalAll(members(status).filter((p) => p !== status.childPid), "SIGTERM")
      const deadline = (yield* Clock.currentTimeMillis) + graceMs
      while (!isExited() && (yield* Clock.currentTimeMillis) < deadline) yield* Effect.sleep(POLL_MS)
      if (status.childPid !== undefined) signalAll([status.childPid], "SIGKILL")
      killOuter(pid, "SIGKILL")
    }
    yield* Effect.promise(() => exited)
    yield* drain(status)
  }))

function toResult(code: number | null, signal: NodeJS.Signals | null): ExecResult {
  if (signal !== null) return { exitCode: 128 + ((constants.signals as Record<string, number>)[signal] ?? 0), signal }
  return { exitCode: code ?? 0, signal: null }
}

/**
 * Spawns the sandbox and waits for it and its output. A bubblewrap failure
 * (a mount that cannot be made, a program that does not exist in the
 * rootfs) fails with `executor.failed`; the job's own exit code is returned.
 *
 * @since 0.1.0
 * @category constructors
 */
export function runSandbox(spec: SandboxProcess): Effect.Effect<ExecResult, ExecutorError> {
  return Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const child = yield* start(spec)
      const pid = child.pid as number
      let done = false
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        const finish = (code: number | null, signal: NodeJS.Signals | null) => {
          done = true
          resolve({ code, signal })
        }
        if (child.exitCode !== null || child.signalCode !== null) finish(child.exitCode, child.signalCode)
        else child.once("exit", finish)
      })
      const status: Status = {}
      readBwrapStatus(child.stdio[STATUS_FD] as Readable, status)
      const stdout = child.stdout as Readable
      const stderr = child.stderr as Readable
      const first: { line?: string } = {}
      // A daemon: an interrupted fiber interrupts its children at once, and
      // what the job prints while it is being stopped must still be read.
      // Joined or interrupted below on every path.
      const readers = yield* Effect.forkDaemon(Effect.interruptible(
        Effect.all([pump(stdout, "stdout", spec, first), pump(stderr, "stderr", spec, first)], { concurrency: 2, discard: true })
      ))
      const close = Effect.sync(() => {
        stdout.destroy()
        stderr.destroy()
        ;(child.stdio[STATUS_FD] as Readable).destroy()
      })

      const completion = Effect.gen(function* () {
        const result = yield* Effect.promise(() => exited)
        yield* drain(status)
        yield* Fiber.join(readers)
        if (result.code === 1 && first.line?.startsWith("bwrap: ")) {
          return yield* new ExecutorError({
            code: "executor.failed",
            detail: `sandbox failed for ${spec.display}: ${first.line.slice(7)}`
          })
        }
        return toResult(result.code, result.signal)
      })

      return yield* restore(completion).pipe(
        Effect.onExit((exit) =>
          Exit.isSuccess(exit) ? close : stop(pid, exited, () => done, status, spec.killGraceMs).pipe(
            // Keep what the job printed while stopping, without waiting forever.
            Effect.zipRight(Fiber.await(readers).pipe(Effect.timeout(1000), Effect.ignore)),
            Effect.ensuring(Effect.zipRight(Fiber.interrupt(readers), close))
          )
        )
      )
    })
  )
}
