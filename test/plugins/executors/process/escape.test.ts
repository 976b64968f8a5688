/**
 * A process-executor job cannot escape its run: a `setsid`'ed child that
 * ignores SIGTERM and keeps the step's stdout open is stopped with the run
 * on cancel, on timeout and when the main process exits, and neither cancel
 * nor timeout waits on the pipe it holds. Each case looks for its own
 * `sleep N` on the host, as `ps` would.
 */
import t from "tap"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { ExecRequest } from "../../../../core/plugin.ts"
import { detectContainment } from "../../../../plugins/executors/process/containment.ts"
import { makeProcessExecutor } from "../../../../plugins/executors/process/mod.ts"
import { call, startEngine, tempDir } from "../../../helpers/engine.ts"
import { killSleeping, sleeping, until } from "../../../helpers/processes.ts"

// The engine's default: SIGKILL follows SIGTERM after 5 s.
const KILL_GRACE_MS = 5000
// What the issue allows beyond the grace period for cancel and timeout.
const SLACK_MS = 5000

/** The reported job: a detached, TERM-ignoring `sleep` behind a foreground one. */
const escaping = (detached: number, foreground: number) => `#!/bin/sh\nsetsid sh -c 'trap "" TERM; exec sleep ${detached}' & sleep ${foreground}\n`

function tree(t: Parameters<typeof tempDir>[0], script: string, timeout = "2m") {
  const dir = tempDir(t, "flwd-escape-")
  const job = join(dir, "jobs", "escape")
  mkdirSync(job, { recursive: true })
  writeFileSync(join(job, "config.yaml"), `command: ./run.sh\ntimeout: ${timeout}\n`)
  writeFileSync(join(job, "run.sh"), script)
  chmodSync(join(job, "run.sh"), 0o755)
  return { root: join(dir, "jobs"), dataDir: join(dir, "data"), allowedLocalRoots: [dir], job }
}

t.test("cancel of a job whose child escaped answers within the grace period and leaves nothing", async (t) => {
  t.teardown(() => killSleeping(5151, 3151))
  const engine = await startEngine(t, tree(t, escaping(5151, 3151)))
  const run = await call(engine, (e) => e.run({ job: "escape", args: {} }))
  await until("the job to start its processes", () => sleeping(5151).length > 0 && sleeping(3151).length > 0)
  const started = Date.now()
  const canceled = await call(engine, (e) => e.cancel(run.id))
  t.ok(Date.now() - started < KILL_GRACE_MS + SLACK_MS, `cancel answered in ${Date.now() - started} ms`)
  t.equal(canceled.status, "canceled")
  t.same(sleeping(5151), [], "the detached sleep is gone")
  t.same(sleeping(3151), [], "the foreground sleep is gone")
})

t.test("the timeout of a job whose child escaped is enforced and leaves nothing", async (t) => {
  t.teardown(() => killSleeping(5152, 3152))
  const engine = await startEngine(t, tree(t, escaping(5152, 3152), "3s"))
  const run = await call(engine, (e) => e.run({ job: "escape", args: {} }))
  await until("the job to start its processes", () => sleeping(5152).length > 0)
  const started = Date.now()
  let status = "running"
  await until("the run to end", async () => {
    status = (await call(engine, (e) => e.getRun(run.id))).status
    return status !== "queued" && status !== "running"
  }, 3000 + KILL_GRACE_MS + SLACK_MS + 2000)
  t.ok(Date.now() - started < 3000 + KILL_GRACE_MS + SLACK_MS, `ended ${Date.now() - started} ms after starting`)
  const ended = await call(engine, (e) => e.getRun(run.id))
  t.equal(ended.status, "failed")
  t.equal(ended.error?.code, "run.timeout")
  t.same(sleeping(5152), [], "the detached sleep is gone")
})

function request(dir: string, runId: string, out: Array<string>): ExecRequest {
  return {
    runId,
    job: { id: "escape", local_id: "escape", source: "default", name: "escape", dir, steps: [], argspec: { args: [] }, env: {}, warnings: [] },
    step: { id: "main", argv: ["./run.sh"], needs: [] },
    runDir: join(dir, ".data", "work"),
    secretsDir: join(dir, ".data", "secrets"),
    env: {},
    secrets: [],
    settings: { network: false, inheritEnv: false, rootfsWritable: false },
    onOutput: (_stream, lines) => Effect.sync(() => void out.push(...lines))
  }
}

for (const [containment, n] of [["auto", 5153], ["process-group", 5154]] as const) {
  t.test(`execute() (${containment}) ends with its main process though an escaped child holds stdout`, async (t) => {
    t.teardown(() => killSleeping(n))
    const { job } = tree(t, `#!/bin/sh\nsetsid sh -c 'trap "" TERM; exec sleep ${n}' &\necho done\n`)
    const out: Array<string> = []
    const executor = makeProcessExecutor({ killGraceMs: 500, containment })
    const started = Date.now()
    const result = await Effect.runPromise(executor.execute(request(job, `run_escape_${n}`, out)))
    t.ok(Date.now() - started < 500 + SLACK_MS, `ended in ${Date.now() - started} ms`)
    t.same(result, { exitCode: 0, signal: null })
    t.same(out, ["done"])
    t.same(sleeping(n), [], "the escaped sleep is gone")
  })
}

for (const [containment, n] of [["auto", 5155], ["process-group", 5156]] as const) {
  t.test(`interrupting execute() (${containment}) stops an escaped child that ignores SIGTERM`, async (t) => {
    t.teardown(() => killSleeping(n, n - 2000))
    const { job } = tree(t, escaping(n, n - 2000))
    const executor = makeProcessExecutor({ killGraceMs: 500, containment })
    let elapsed = 0
    await Effect.runPromise(Effect.gen(function* () {
      const fiber = yield* Effect.fork(executor.execute(request(job, `run_escape_${n}`, [])))
      yield* Effect.promise(() => until("the job to start its processes", () => sleeping(n).length > 0 && sleeping(n - 2000).length > 0))
      const started = Date.now()
      yield* Fiber.interrupt(fiber)
      elapsed = Date.now() - started
    }))
    t.ok(elapsed < 500 + SLACK_MS, `stopped in ${elapsed} ms`)
    t.same(sleeping(n), [], "the escaped sleep is gone")
    t.same(sleeping(n - 2000), [], "the foreground sleep is gone")
  })
}

t.test("preview() says which containment is in force", async (t) => {
  const job = { id: "x", local_id: "x", source: "default", name: "x", dir: "/jobs/x", steps: [], argspec: { args: [] }, env: {}, warnings: [] }
  const settings = { network: false, inheritEnv: false, rootfsWritable: false }
  const auto = await Effect.runPromise(makeProcessExecutor({ containment: "auto" }).preview(job, settings))
  t.equal(auto.details?.containment, (await detectContainment("auto")).kind)
  const group = await Effect.runPromise(makeProcessExecutor({ containment: "process-group" }).preview(job, settings))
  t.match(group.details, { containment: "process-group", containment_reason: "configured" })
})
