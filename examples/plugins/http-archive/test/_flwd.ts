/**
 * `flwd` as these tests run it, in a temporary working directory with its
 * own data directory and job root, with no `FLWD_*` variable of the
 * caller's environment: the real binary, one process per command, or the
 * same command in-process (`runCli`: the same argv parsing, plugin loading
 * and output, without a cold start each time).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { inProcess } from "../../../../test/cli/_flwd.ts"
import { untracked } from "../../../../test/helpers/untracked.ts"

const here = resolve(import.meta.dirname, "..")

/** The CLI's entry point in this repository. */
export const flwdMain = resolve(here, "..", "..", "..", "cli", "main.ts")

/** The plugin module, as `--plugin` takes it. */
export const plugin = join(here, "mod.ts")

/** A temporary working directory removed after the test. */
export function work(t: { teardown: (f: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The environment of a command: the caller's, without its `FLWD_*` variables. */
export function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: "1", NO_COLOR: "1" }
  for (const k of Object.keys(e)) if (k.startsWith("FLWD_")) delete e[k]
  return e
}

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The flags every command gets: data in `cwd/data`, jobs in `cwd/jobs`. */
const dirs = (cwd: string): Array<string> => ["--data-dir", join(cwd, "data"), "--root", join(cwd, "jobs")]

/** Runs one `flwd` command in `cwd` with the real binary. */
export function flwd(cwd: string, args: ReadonlyArray<string>): Promise<Result> {
  const childEnv = env()
  const child = spawn(...untracked([process.execPath, flwdMain, ...dirs(cwd), ...args], childEnv), { cwd, env: childEnv })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  return new Promise((res) => child.on("close", (code) => res({ code, stdout, stderr })))
}

/** Runs one `flwd` command in `cwd` in this process, one at a time. */
export function flwdInProcess(cwd: string, args: ReadonlyArray<string>): Promise<Result> {
  return inProcess([...dirs(cwd), ...args], cwd, env())
}
