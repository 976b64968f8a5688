/**
 * @module
 * Runs one process to completion: spawn in its own group, stream its output
 * line by line with backpressure, and stop the whole group on interruption.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { constants } from "node:os"
import type { Readable } from "node:stream"
import { Effect, Exit, Fiber } from "effect"
import { ExecutorError } from "../../../core/mod.ts"
import type { ExecResult } from "../../../core/mod.ts"
import { makeLineSplitter } from "../../exec/mod.ts"
import { stopGroup } from "./process-group.ts"

/**
 * What to run and where its output goes.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessSpec {
  /** Program path or bare name (looked up on `env.PATH`). */
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** As written in the job, for messages. */
  readonly display: string
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly killGraceMs: number
  readonly onOutput: (stream: "stdout" | "stderr", lines: ReadonlyArray<string>) => Effect.Effect<void>
}

const reasons: Readonly<Record<string, string>> = {
  ENOENT: "not found (or its interpreter is missing)",
  EACCES: "permission denied",
  ENOEXEC: "not an executable format",
  ENOTDIR: "a path component is not a directory",
  EISDIR: "is a directory"
}

const spawnError = (spec: ProcessSpec, e: unknown) => {
  const code = (e as NodeJS.ErrnoException)?.code ?? ""
  const reason = reasons[code] ?? (e instanceof Error ? e.message : String(e))
  return new ExecutorError({ code: "executor.failed", detail: `cannot execute ${spec.display}: ${reason}`, cause: e })
}

// Resolves once the process is running, or fails with why it could not start.
const start = (spec: ProcessSpec) =>
  Effect.async<ChildProcess, ExecutorError>((resume) => {
    let child: ChildProcess
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        // Own process group: one signal reaches everything the step starts.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        shell: false
      })
    } catch (e) {
      resume(Effect.fail(spawnError(spec, e)))
      return
    }
    const onError = (e: Error) => resume(Effect.fail(spawnError(spec, e)))
    child.once("error", onError)
    child.once("spawn", () => {
      child.off("error", onError)
      // Later errors (a failed kill) must not crash the engine.
      child.on("error", () => undefined)
      resume(Effect.succeed(child))
    })
  })

// Reads one stream chunk by chunk; the next chunk is read only after the
// consumer is done with the previous one, so memory stays bounded.
const pump = (readable: Readable, name: "stdout" | "stderr", spec: ProcessSpec) =>
  Effect.gen(function*() {
    const split = makeLineSplitter()
    const it = readable[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    while (true) {
      const next = yield* Effect.promise(() => it.next().catch(() => ({ done: true as const, value: undefined })))
      if (next.done) break
      const lines = split.push(next.value)
      if (lines.length > 0) yield* spec.onOutput(name, lines)
    }
    const rest = split.end()
    if (rest.length > 0) yield* spec.onOutput(name, rest)
  })

const toResult = (code: number | null, signal: NodeJS.Signals | null): ExecResult => {
  if (signal !== null) {
    const signo = (constants.signals as Record<string, number>)[signal] ?? 0
    return { exitCode: 128 + signo, signal }
  }
  return { exitCode: code ?? 0, signal: null }
}

/**
 * Spawns the process and waits for it and its output. On interruption the
 * process group gets SIGTERM, then SIGKILL after the grace period; the effect
 * completes only once the process has exited.
 *
 * @since 0.1.0
 * @category constructors
 */
export function runProcess(spec: ProcessSpec): Effect.Effect<ExecResult, ExecutorError> {
  return Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      // Not interruptible: a process spawned after an interruption would be lost.
      const child = yield* start(spec)
      const pid = child.pid as number
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve({ code: child.exitCode, signal: child.signalCode })
        } else child.once("exit", (code, signal) => resolve({ code, signal }))
      })
      const stdout = child.stdout as Readable
      const stderr = child.stderr as Readable
      // A daemon, joined or interrupted below on every path: a plain child
      // fiber would be interrupted together with this one, losing what the
      // job prints while it is being stopped (a SIGTERM trap's last words).
      const readers = yield* Effect.forkDaemon(Effect.interruptible(
        Effect.all([pump(stdout, "stdout", spec), pump(stderr, "stderr", spec)], { concurrency: 2, discard: true })
      ))
      const closeStreams = Effect.sync(() => {
        stdout.destroy()
        stderr.destroy()
      })

      const completion = Effect.gen(function*() {
        const status = yield* Effect.promise(() => exited)
        // Whatever the step left running in its group goes with it.
        yield* stopGroup(pid, exited, spec.killGraceMs)
        yield* Fiber.join(readers)
        return toResult(status.code, status.signal)
      })

      // Interrupted (cancel, timeout) or failed (the output consumer died):
      // either way nothing of the step may outlive this effect.
      return yield* restore(completion).pipe(
        Effect.onExit((exit) =>
          Exit.isSuccess(exit) ? Effect.void : stopGroup(pid, exited, spec.killGraceMs).pipe(
            // Keep what the job printed while it was stopping, but do not wait
            // on a pipe still held open by a process that left the group.
            Effect.zipRight(Fiber.await(readers).pipe(Effect.timeout(1000), Effect.ignore)),
            Effect.ensuring(Effect.zipRight(Fiber.interrupt(readers), closeStreams))
          )
        )
      )
    })
  )
}
