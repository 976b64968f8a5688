/**
 * @module
 * Smoke test run under Deno 2 (`npm run test:deno`): the same CLI sources,
 * unchanged, list the example jobs and run one. Written with node: built-ins
 * so it type-checks with the rest of the tree; under Deno `process.execPath`
 * is the deno binary.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import process from "node:process"

const repo = resolve(import.meta.dirname ?? ".", "..", "..")
const dataDir = mkdtempSync(join(tmpdir(), "flwd-deno-"))
let failures = 0
let passes = 0

function flwd(args: ReadonlyArray<string>) {
  const result = spawnSync(process.execPath, [
    "run",
    "-A",
    join(repo, "cli", "main.ts"),
    ...args,
    "--root",
    join(repo, "examples", "jobs"),
    "--data-dir",
    dataDir
  ], {
    cwd: repo,
    encoding: "utf8"
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function check(name: string, ok: boolean, detail: string): void {
  if (ok) passes++
  else failures++
  console.log(`${ok ? "ok" : "not ok"} - ${name}${ok ? "" : `\n  ${detail.split("\n").join("\n  ")}`}`)
}

const jobs = flwd([":jobs", "--json"])
check("deno: flwd :jobs --json lists hello-world", jobs.status === 0 && jobs.stdout.includes('"hello-world"'), jobs.stderr + jobs.stdout)

const run = flwd(["hello-world", "--name", "Deno"])
check("deno: flwd hello-world --name Deno prints the greeting", run.status === 0 && run.stdout.includes("Deno"), run.stderr + run.stdout)

const failing = flwd(["always-fails"])
check("deno: a failing job's exit code comes back", failing.status === 3, `status ${failing.status}\n${failing.stderr}`)

rmSync(dataDir, { recursive: true, force: true })
console.log(`\n${passes} passed, ${failures} failed`)
process.exitCode = failures > 0 ? 1 : 0
