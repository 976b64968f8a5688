/**
 * The real `flwd :serve` (a child process) against a job whose child
 * escapes its session and ignores SIGTERM: cancel and timeout answer within
 * the grace period + 5 s, SIGTERM (once or twice) stops the server with
 * status 0 within `--grace` + 5 s, and a server killed with SIGKILL leaves
 * nothing of its runs running; the next start records them failed
 * (`engine.restarted`). Nothing a run started is left on the host.
 */
import t from "tap"
import type { ChildProcess } from "node:child_process"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../helpers/engine.ts"
import { killSleeping, sleeping, until } from "../helpers/processes.ts"
import { repoRoot, spawnListening } from "./_helpers.ts"

// Eight cold server starts and about 30 s of grace periods waited out by
// design: 29 s on an idle machine, 105 s at a load average of 10 on two
// cores, so the file sets its own bound above tap's 120 s.
t.setTimeout(300_000)

// The engine's default: SIGKILL follows SIGTERM after 5 s.
const KILL_GRACE_MS = 5000
const SLACK_MS = 5000
const headers = { authorization: "Bearer dev-token", "content-type": "application/json" }

interface Served {
  readonly child: ChildProcess
  readonly url: string
  readonly exited: Promise<number | null>
  readonly stderr: () => string
}

/** `flwd :serve --dev` in `dir` (its jobs under `jobs/`, data under `data/`), once it listens. */
function serve(dir: string, args: ReadonlyArray<string> = [], env: Record<string, string> = {}): Promise<Served> {
  return spawnListening([join(repoRoot, "cli/main.ts"), ":serve", "--dev", "--bind", "127.0.0.1:0", "--root", "jobs", "--data-dir", "data", ...args], {
    FLWD_TOKENS: "",
    ...env
  }, dir)
}

function jobs(t: Parameters<typeof tempDir>[0], script: string, timeout = "2m"): string {
  const dir = tempDir(t, "flwd-serve-escape-")
  const job = join(dir, "jobs", "escape")
  mkdirSync(job, { recursive: true })
  writeFileSync(join(job, "config.yaml"), `command: ./run.sh\ntimeout: ${timeout}\n`)
  writeFileSync(join(job, "run.sh"), script)
  chmodSync(join(job, "run.sh"), 0o755)
  return dir
}

const escaping = (detached: number, foreground: number) => `#!/bin/sh\nsetsid sh -c 'trap "" TERM; exec sleep ${detached}' & sleep ${foreground}\n`

async function startRun(server: Served, detached: number): Promise<string> {
  const res = await fetch(`${server.url}/runs`, { method: "POST", headers, body: JSON.stringify({ job: "escape", args: {} }) })
  const run = await res.json() as { id: string }
  await until("the job to start its processes", () => sleeping(detached).length > 0)
  return run.id
}

const getRun = async (server: Served, id: string) =>
  (await (await fetch(`${server.url}/runs/${id}`, { headers })).json()) as { status: string; error: { code: string } | null }

function elapsedSince(start: number): number {
  return Date.now() - start
}

t.test("POST /runs/{id}:cancel answers within the grace period and leaves nothing", async (t) => {
  t.teardown(() => killSleeping(5171, 3171))
  const server = await serve(jobs(t, escaping(5171, 3171)))
  t.teardown(() => void server.child.kill("SIGKILL"))
  const id = await startRun(server, 5171)
  const started = Date.now()
  const res = await fetch(`${server.url}/runs/${id}:cancel`, { method: "POST", headers, signal: AbortSignal.timeout(KILL_GRACE_MS + SLACK_MS) })
  t.ok(elapsedSince(started) < KILL_GRACE_MS + SLACK_MS, `answered in ${elapsedSince(started)} ms`)
  t.equal(res.status, 200)
  t.equal((await res.json() as { status: string }).status, "canceled")
  t.same(sleeping(5171), [], "the detached sleep is gone")
  t.same(sleeping(3171), [], "the foreground sleep is gone")
})

t.test("the run timeout is enforced and leaves nothing", async (t) => {
  t.teardown(() => killSleeping(5172, 3172))
  const server = await serve(jobs(t, escaping(5172, 3172), "3s"))
  t.teardown(() => void server.child.kill("SIGKILL"))
  const id = await startRun(server, 5172)
  const started = Date.now()
  await until("the run to end", async () => (await getRun(server, id)).status === "failed", 3000 + KILL_GRACE_MS + SLACK_MS)
  t.ok(elapsedSince(started) < 3000 + KILL_GRACE_MS + SLACK_MS, `ended ${elapsedSince(started)} ms after starting`)
  t.equal((await getRun(server, id)).error?.code, "run.timeout")
  t.same(sleeping(5172), [], "the detached sleep is gone")
})

t.test("SIGTERM exits 0 within --grace + 5 s, the run canceled and nothing left", async (t) => {
  t.teardown(() => killSleeping(5173, 3173))
  const dir = jobs(t, escaping(5173, 3173))
  const server = await serve(dir, ["--grace", "2s"])
  t.teardown(() => void server.child.kill("SIGKILL"))
  const id = await startRun(server, 5173)
  const started = Date.now()
  server.child.kill("SIGTERM")
  const code = await Promise.race([server.exited, new Promise<string>((r) => setTimeout(() => r("still running"), 2000 + SLACK_MS + 5000))])
  t.equal(code, 0, server.stderr())
  t.ok(elapsedSince(started) < 2000 + SLACK_MS, `exited ${elapsedSince(started)} ms after SIGTERM`)
  t.same(sleeping(5173), [], "the detached sleep is gone")
  t.same(sleeping(3173), [], "the foreground sleep is gone")
  const again = await serve(dir)
  t.teardown(() => void again.child.kill("SIGKILL"))
  t.equal((await getRun(again, id)).status, "canceled")
  again.child.kill("SIGTERM")
  t.equal(await again.exited, 0)
})

t.test("a second SIGTERM stops waiting for runs and still exits 0, leaving nothing", async (t) => {
  t.teardown(() => killSleeping(5174, 3174))
  const server = await serve(jobs(t, escaping(5174, 3174)), ["--grace", "60s"])
  t.teardown(() => void server.child.kill("SIGKILL"))
  await startRun(server, 5174)
  server.child.kill("SIGTERM")
  await until("the shutdown to start", () => server.stderr().includes("shutting down"))
  const started = Date.now()
  server.child.kill("SIGTERM")
  const code = await Promise.race([server.exited, new Promise<string>((r) => setTimeout(() => r("still running"), KILL_GRACE_MS + SLACK_MS + 5000))])
  t.equal(code, 0, server.stderr())
  t.ok(elapsedSince(started) < KILL_GRACE_MS + SLACK_MS, `exited ${elapsedSince(started)} ms after the second SIGTERM`)
  t.same(sleeping(5174), [], "the detached sleep is gone")
  t.same(sleeping(3174), [], "the foreground sleep is gone")
})

for (const [containment, n] of [["auto", 5175], ["process-group", 5177]] as const) {
  t.test(`SIGKILL of the server (${containment}) leaves nothing of its runs; the next start fails them`, async (t) => {
    t.teardown(() => killSleeping(n, n + 1))
    const dir = jobs(t, `#!/bin/sh\nsetsid sleep ${n + 1} &\nsleep ${n}\n`)
    const env = { FLWD_PROCESS_CONTAINMENT: containment }
    const server = await serve(dir, [], env)
    t.teardown(() => void server.child.kill("SIGKILL"))
    const id = await startRun(server, n)
    await until("the detached sleep to start", () => sleeping(n + 1).length > 0)
    server.child.kill("SIGKILL")
    await server.exited
    if (containment === "auto") {
      // The namespace dies with the server: nothing waits for a restart.
      await until("the job's processes to be gone", () => sleeping(n).length === 0 && sleeping(n + 1).length === 0, 5000)
    }
    const again = await serve(dir, [], env)
    t.teardown(() => void again.child.kill("SIGKILL"))
    const run = await getRun(again, id)
    t.equal(run.status, "failed")
    t.equal(run.error?.code, "engine.restarted")
    await until("the job's processes to be gone", () => sleeping(n).length === 0 && sleeping(n + 1).length === 0, 5000)
    t.pass("nothing of the run is left")
    again.child.kill("SIGTERM")
    t.equal(await again.exited, 0)
  })
}
