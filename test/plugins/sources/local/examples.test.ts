/**
 * The example tree under examples/jobs: it loads cleanly, and its scripts do
 * what the docs say when given the variables the runner binds — under the
 * system shell and, when installed, under busybox sh.
 */
import t from "tap"
import { spawnSync } from "node:child_process"
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as Effect from "effect/Effect"
import type { JobDefinition } from "../../../../core/mod.ts"
import { loadRootTree } from "../../../../plugins/sources/local/mod.ts"

const examples = resolve(import.meta.dirname, "../../../../examples/jobs")
const jobs = new Map<string, JobDefinition>()
for (const job of (await Effect.runPromise(loadRootTree(examples))).jobs) jobs.set(job.id, job)

const shells = [["sh"], ...(spawnSync("busybox", ["true"]).status === 0 ? [["busybox", "sh"]] : [])]

/** Runs one step of a job with `sh` (or busybox sh) in the job directory. */
function runStep(shell: Array<string>, id: string, step: number, env: Record<string, string> = {}) {
  const job = jobs.get(id)!
  const script = job.steps[step].argv[0]
  const r = spawnSync(shell[0], [...shell.slice(1), script], {
    cwd: job.dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...job.env, ...env },
    encoding: "utf8"
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test("the example scripts are executable", async (t) => {
  for (const job of jobs.values()) {
    for (const step of job.steps) {
      t.doesNotThrow(() => accessSync(join(job.dir, step.argv[0]), constants.X_OK), `${job.id}: ${step.argv[0]}`)
    }
  }
})

for (const shell of shells) {
  t.test(`hello-world greets, shouts, lists tags and hides the token (${shell.join(" ")})`, async (t) => {
    const secrets = mkdtempSync(join(tmpdir(), "flwd-secrets-"))
    t.teardown(() => rmSync(secrets, { recursive: true, force: true }))
    writeFileSync(join(secrets, "token"), "s3cret", { mode: 0o400 })
    const loud = runStep(shell, "hello-world", 0, {
      ARG_NAME: "Ada",
      ARG_LOUD: "true",
      FLWD_ARGS_JSON: JSON.stringify({ name: "Ada", loud: true, tags: ["x", "y z"] }),
      FLWD_SECRETS_DIR: secrets
    })
    t.same(loud, { code: 0, stdout: "HELLO, ADA!\ntags: x, y z\ntoken: provided (not shown)\n", stderr: "" })
    const quiet = runStep(shell, "hello-world", 0, { ARG_NAME: "Bob", ARG_LOUD: "false", FLWD_ARGS_JSON: '{"name":"Bob","loud":false}' })
    t.same(quiet, { code: 0, stdout: "Hello, Bob!\ntoken: not provided\n", stderr: "" })
  })

  t.test(`always-fails writes to stderr and exits 3 (${shell.join(" ")})`, async (t) => {
    t.same(runStep(shell, "always-fails", 0), { code: 3, stdout: "about to fail\n", stderr: "error: this job always fails\n" })
  })

  t.test(`legacy/greet says hello ARG_TIMES times, then goodbye (${shell.join(" ")})`, async (t) => {
    t.same(runStep(shell, "legacy/greet", 0, { ARG_NAME: "Cy", ARG_TIMES: "2" }).stdout, "hello, Cy\nhello, Cy\n")
    t.same(runStep(shell, "legacy/greet", 1, { ARG_NAME: "Cy" }).stdout, "goodbye, Cy\n")
  })

  t.test(`build-and-test steps each succeed (${shell.join(" ")})`, async (t) => {
    const job = jobs.get("build-and-test")!
    t.same(job.steps.map((s) => [s.id, s.needs]), [["prepare", []], ["lint", ["prepare"]], ["unit", ["prepare"]], ["package", ["lint", "unit"]]])
    for (let i = 0; i < job.steps.length; i++) t.match(runStep(shell, "build-and-test", i), { code: 0, stdout: new RegExp(`^${job.steps[i].id}: `) })
  })
}

t.test("the example jobs declare the documented arguments", async (t) => {
  t.same(jobs.get("hello-world")!.argspec.args.map((a) => [a.name, a.type, a.required ?? false, a.default, a.format]), [
    ["name", "string", true, undefined, undefined],
    ["loud", "boolean", false, false, undefined],
    ["tags", "array", false, undefined, undefined],
    ["token", "string", false, undefined, "secret"]
  ])
  t.same(jobs.get("legacy/greet")!.argspec.args.map((a) => [a.name, a.type, a.default]), [["name", "string", "world"], ["times", "integer", 1]])
})
