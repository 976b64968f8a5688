/**
 * @module
 * Runs one step to completion: start it under the containment in force,
 * stream its output line by line with backpressure, and stop everything it
 * started when it ends or is interrupted.
 *
 * Output pipes are inherited by whatever the step starts, so a process that
 * escaped would hold them open forever: the step never waits for end of
 * file while anything of it is alive (it stops it first), and after that
 * it waits only while output keeps coming — a pipe held by a process it
 * could not find is closed after one quiet second.
 */
import { accessSync, constants as fs, statSync } from "node:fs"
import { delimiter, isAbsolute, join, resolve } from "node:path"
import type { Readable } from "node:stream"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { codeOf, ExecutorError, messageOf } from "../../../core/mod.ts"
import type { ExecResult } from "../../../core/mod.ts"
import { makeLineSplitter } from "../../exec/mod.ts"
import { type Launched, type LaunchSpec, spawnStep } from "./launch.ts"

/**
 * What to run and where its output goes.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessSpec extends LaunchSpec {
  /** As written in the job, for messages. */
  readonly display: string
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
const strerrors: Readonly<Record<string, string>> = {
  "No such file or directory": "ENOENT",
  "Permission denied": "EACCES",
  "Exec format error": "ENOEXEC",
  "Not a directory": "ENOTDIR"
}

const failed = (spec: ProcessSpec, reason: string, cause?: unknown) =>
  new ExecutorError({ code: "executor.failed", detail: `cannot execute ${spec.display}: ${reason}`, cause })

const spawnError = (spec: ProcessSpec, e: unknown) => failed(spec, reasons[codeOf(e) ?? ""] ?? messageOf(e), e)

// Under bubblewrap the program is executed in the namespace; checking it
// first keeps "not found" and "permission denied" the engine's own errors.
function checkProgram(spec: ProcessSpec): string | null {
  const PATH = spec.env.PATH ?? ""
  const candidates = spec.command.includes("/")
    ? [resolve(spec.cwd, spec.command)]
    : PATH.split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, spec.command))
  let code = "ENOENT"
  for (const file of candidates) {
    try {
      if (statSync(file).isDirectory()) {
        code = spec.command.includes("/") ? "EACCES" : code
        continue
      }
      accessSync(file, fs.X_OK)
      return null
    } catch (e) {
      const c = codeOf(e) ?? "ENOENT"
      if (c !== "ENOENT" || candidates.length === 1) code = c
    }
  }
  return code
}

// Resolves once the step is running, or fails with why it could not start.
const start = (spec: ProcessSpec) =>
  Effect.async<Launched, ExecutorError>((resume) => {
    if (spec.containment.kind === "pid-namespace") {
      const code = checkProgram(spec)
      if (code !== null) return resume(Effect.fail(spawnError(spec, Object.assign(new Error(code), { code }))))
    }
    let started: ReturnType<typeof spawnStep>
    try {
      started = spawnStep(spec)
    } catch (e) {
      return resume(Effect.fail(spawnError(spec, e)))
    }
    const { child } = started
    const onError = (e: Error) => resume(Effect.fail(spawnError(spec, e)))
    child.once("error", onError)
    child.once("spawn", () => {
      child.off("error", onError)
      // Later errors (a failed kill) must not crash the engine.
      child.on("error", () => undefined)
      resume(Effect.succeed(started.attach()))
    })
  })

interface Reading {
  /** When the last chunk arrived or was last handed on. */
  last: number
  /** Chunks being handed on: a slow journal is not a quiet pipe. */
  busy: number
  firstStderr?: string
}

// Reads one stream chunk by chunk; the next chunk is read only after the
// consumer is done with the previous one, so memory stays bounded.
const pump = (readable: Readable, name: "stdout" | "stderr", spec: ProcessSpec, reading: Reading) =>
  Effect.gen(function* () {
    const split = makeLineSplitter()
    const it = readable[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    const emit = (lines: ReadonlyArray<string>) => {
      if (name === "stderr" && reading.firstStderr === undefined && lines.length > 0) reading.firstStderr = lines[0]
      return lines.length > 0 ? spec.onOutput(name, lines) : Effect.void
    }
    while (true) {
      const next = yield* Effect.promise(() => it.next().catch(() => ({ done: true as const, value: undefined })))
      if (next.done) break
      reading.busy++
      yield* emit(split.push(next.value)).pipe(Effect.ensuring(Effect.sync(() => {
        reading.busy--
        reading.last = Date.now()
      })))
    }
    yield* emit(split.end())
  })

const QUIET_MS = 1000

// Waits for the readers while output keeps coming (see the module comment).
const drainOutput = (readers: Fiber.Fiber<void>, reading: Reading) =>
  Effect.gen(function* () {
    reading.last = Math.max(reading.last, yield* Clock.currentTimeMillis)
    while ((yield* Fiber.poll(readers))._tag === "None") {
      if (reading.busy === 0 && (yield* Clock.currentTimeMillis) - reading.last > QUIET_MS) return
      yield* Effect.sleep(25)
    }
  })

/**
 * Starts the step and waits for it and its output. When its main process
 * exits, or the effect is interrupted (cancel, timeout, shutdown), every
 * process it started is stopped (SIGTERM, SIGKILL after the grace period)
 * before the effect completes.
 *
 * @since 0.1.0
 * @category constructors
 */
export function runProcess(spec: ProcessSpec): Effect.Effect<ExecResult, ExecutorError> {
  return Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      // Not interruptible: a process spawned after an interruption would be lost.
      const step = yield* start(spec)
      const stdout = step.child.stdout as Readable
      const stderr = step.child.stderr as Readable
      const reading: Reading = { last: 0, busy: 0 }
      // A daemon, joined or interrupted below on every path: a plain child
      // fiber would be interrupted together with this one, losing what the
      // job prints while it is being stopped (a SIGTERM trap's last words).
      const readers = yield* Effect.forkDaemon(Effect.interruptible(
        Effect.all([pump(stdout, "stdout", spec, reading), pump(stderr, "stderr", spec, reading)], { concurrency: 2, discard: true })
      ))
      // Interruptible even here, in a finalizer: an uninterruptible wait on
      // a pipe that an escaped process holds is what once hung cancel.
      const finish = Effect.interruptible(drainOutput(readers, reading)).pipe(
        Effect.ensuring(Effect.zipRight(
          Fiber.interrupt(readers),
          Effect.sync(() => {
            stdout.destroy()
            stderr.destroy()
            ;(step.child.stdio[3] as Readable | null)?.destroy()
            step.release()
          })
        ))
      )

      let settled = false
      const completion = Effect.gen(function* () {
        const status = yield* Effect.promise(() => step.exited)
        // Whatever the main process left running goes with it.
        yield* step.stop(spec.killGraceMs)
        yield* finish
        settled = true
        const result = step.result(status, reading.firstStderr)
        if ("failure" in result) {
          const m = /^execvp [^:]*: (.*)$/.exec(result.failure)
          const code = m !== null ? strerrors[m[1]] : undefined
          return yield* failed(spec, code !== undefined ? reasons[code] : result.failure)
        }
        return result
      })

      return yield* restore(completion).pipe(
        Effect.onExit((exit) => Exit.isSuccess(exit) || settled ? Effect.void : Effect.zipRight(step.stop(spec.killGraceMs), finish))
      )
    })
  )
}
