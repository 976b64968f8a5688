/**
 * @module
 * Drives `flwd` in a temporary working directory holding a copy of the
 * example jobs (plus a slow job for cancellation and crash tests) and a
 * temporary data directory. `flwd` runs the CLI in-process (`runCli`: the
 * same argv parsing, output and exit status, without a process start each
 * time); `start` and `flwdProcess` run the real binary, for what only a
 * process shows (signals, exit, stdout and stderr as pipes).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { runCli } from "../../cli/run-cli.ts"
import { untracked } from "../helpers/untracked.ts"

export const repo = resolve(import.meta.dirname, "../..")
export const mainTs = join(repo, "cli/main.ts")
/** The entry npm installs, which turns on the compile cache and imports `cli/main.ts`. */
export const binJs = join(repo, "bin/flwd.js")

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Sandbox {
  readonly cwd: string
  readonly root: string
  readonly dataDir: string
  /** Runs `flwd` with `--data-dir` set, in-process; resolves once it returns. */
  readonly flwd: (args: ReadonlyArray<string>, options?: { env?: Record<string, string> }) => Promise<Result>
  /** Runs the real binary (`bin/flwd.js`) with `--data-dir` set; resolves once it exits. */
  readonly flwdProcess: (args: ReadonlyArray<string>, options?: { env?: Record<string, string>; input?: string }) => Promise<Result>
  /** Starts `flwd` and returns the live process, for signals. */
  readonly start: (args: ReadonlyArray<string>) => ChildProcess
  /** Every byte stored under the data directory (database, WAL, run dirs). */
  readonly dataBytes: () => Buffer
}

/** An environment without the caller's flwd settings or colors. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith("FLWD_") || key === "NO_COLOR" || key === "FORCE_COLOR") delete env[key]
  return { ...env, ...extra }
}

/** A text sink that keeps what is written to it. */
function buffer(): { readonly write: (text: string) => boolean; text: string } {
  const sink = { text: "", write: (text: string) => ((sink.text += text), true) }
  return sink
}

/** In-process invocations run one at a time: each enters its directory and environment. */
let queue: Promise<unknown> = Promise.resolve()

/**
 * `flwd args` in-process, in `cwd`, with `env` as the whole environment for
 * its duration (plugins read `process.env` themselves: PATH, registry
 * credentials), restored afterwards.
 */
export function inProcess(args: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv): Promise<Result> {
  const turn = queue.then(async (): Promise<Result> => {
    const saved = { ...process.env }
    const stdout = buffer()
    const stderr = buffer()
    for (const key of Object.keys(process.env)) delete process.env[key]
    Object.assign(process.env, env)
    try {
      const code = await runCli(args, { stdout, stderr, env, cwd, exit: () => undefined })
      return { code, signal: null, stdout: stdout.text, stderr: stderr.text }
    } finally {
      for (const key of Object.keys(process.env)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })
  queue = turn.catch(() => undefined)
  return turn
}

/** A job that prints its process id, then sleeps until it is stopped. */
function writeSlowJob(root: string): void {
  const dir = join(root, "slow")
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "config.yaml"), "summary: Sleeps until stopped\ncommand: ./run.sh\n")
  // `exec` keeps the printed pid the sleeping process, so a test can reap it.
  writeFileSync(join(dir, "run.sh"), '#!/bin/sh\necho "slow-started $$"\nexec sleep 60\n')
  chmodSync(join(dir, "run.sh"), 0o755)
}

/** A job with integer, number, object and enum arguments, printing what it got. */
function writeTypedJob(root: string): void {
  const dir = join(root, "typed")
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, "config.yaml"),
    [
      "summary: Takes typed arguments",
      "command: ./run.sh",
      "argspec:",
      "  args:",
      "    - { name: count, type: integer, minimum: 1, description: How many }",
      "    - { name: ratio, type: number }",
      "    - { name: meta, type: object }",
      "    - { name: level, type: string, enum: [low, high], default: low }",
      ""
    ].join("\n")
  )
  writeFileSync(join(dir, "run.sh"), '#!/bin/sh\necho "count=$ARG_COUNT ratio=$ARG_RATIO level=$ARG_LEVEL"\n')
  chmodSync(join(dir, "run.sh"), 0o755)
}

function allFiles(dir: string): Array<string> {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const st = statSync(path)
    return st.isDirectory() ? allFiles(path) : st.isFile() ? [path] : []
  })
}

export function collect(child: ChildProcess): Promise<Result> {
  let stdout = ""
  let stderr = ""
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d))
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  return new Promise((res, rej) => {
    child.on("error", rej)
    child.on("close", (code, signal) => res({ code, signal, stdout, stderr }))
  })
}

/** Waits until `child`'s stdout contains `text`; resolves with everything read so far. */
export function waitForOutput(child: ChildProcess, text: string | RegExp): Promise<string> {
  let seen = ""
  return new Promise((res, rej) => {
    const onData = (d: Buffer) => {
      seen += d.toString("utf8")
      if (typeof text === "string" ? seen.includes(text) : text.test(seen)) {
        child.stdout?.off("data", onData)
        res(seen)
      }
    }
    child.stdout?.on("data", onData)
    child.on("close", () => rej(new Error(`exited before printing ${String(text)}; saw: ${seen}`)))
  })
}

/** A temporary working directory with `jobs/` (the examples) and a data dir; removed after `t`. */
export function sandbox(t: { teardown: (fn: () => void) => void }): Sandbox {
  const cwd = mkdtempSync(join(tmpdir(), "flwd-cli-"))
  const root = join(cwd, "jobs")
  cpSync(join(repo, "examples/jobs"), root, { recursive: true })
  writeSlowJob(root)
  writeTypedJob(root)
  const dataDir = join(cwd, "data")
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }))
  const start = (args: ReadonlyArray<string>, env?: Record<string, string>) => {
    const childEnv = cleanEnv(env)
    return spawn(...untracked([process.execPath, binJs, "--data-dir", dataDir, ...args], childEnv), { cwd, env: childEnv, stdio: ["pipe", "pipe", "pipe"] })
  }
  return {
    cwd,
    root,
    dataDir,
    start: (args) => start(args),
    flwd: (args, options = {}) => inProcess(["--data-dir", dataDir, ...args], cwd, cleanEnv(options.env)),
    flwdProcess: (args, options = {}) => {
      const child = start(args, options.env)
      child.stdin?.end(options.input ?? "")
      return collect(child)
    },
    dataBytes: () => Buffer.concat(allFiles(dataDir).map((f) => readFileSync(f)))
  }
}

/** Parses NDJSON output, one value per non-empty line. */
export function ndjson(text: string): Array<Record<string, any>> {
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, any>)
}
