/**
 * The real `flwd` binary as these tests run it: one process per command,
 * in a temporary working directory with its own data directory and job
 * root, with no `FLWD_*` variable of the caller's environment.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

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

/** Runs one `flwd` command in `cwd` (data in `cwd/data`, jobs in `cwd/jobs`). */
export function flwd(cwd: string, args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [flwdMain, "--data-dir", join(cwd, "data"), "--root", join(cwd, "jobs"), ...args], { cwd, env: env() })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  return new Promise((res) => child.on("close", (code) => res({ code, stdout, stderr })))
}
