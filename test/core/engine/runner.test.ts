import t from "tap"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { ArgDef } from "../../../core/domain/argspec.ts"
import type { Job, Step } from "../../../core/domain/job.ts"
import type { RunEvent } from "../../../core/domain/run.ts"
import { EngineConfig, type EngineSettings } from "../../../core/engine/config.ts"
import * as EventBusLive from "../../../core/engine/event-bus.ts"
import { EventBus } from "../../../core/engine/event-bus.ts"
import * as RunnerLive from "../../../core/engine/runner-live.ts"
import { Planner } from "../../../core/engine/planner.ts"
import { type ResolvedPlan, Runner } from "../../../core/engine/runner.ts"
import { Store } from "../../../core/engine/store.ts"
import { makeProcessExecutor } from "../../../plugins/executors/process/mod.ts"
import * as SqliteStore from "../../../plugins/stores/sqlite/mod.ts"
import { processesIn } from "../../helpers/processes.ts"

type Teardown = { teardown: (fn: () => void) => void }

const executor = makeProcessExecutor({ killGraceMs: 300 })

function tempDir(t: Teardown, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A job directory holding the given executable scripts. */
function jobDir(t: Teardown, scripts: Record<string, string>): string {
  const dir = tempDir(t, "flwd-job-")
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(dir, name), body, { mode: 0o755 })
  return dir
}

interface PlanOptions {
  readonly id?: string
  readonly steps?: ReadonlyArray<Step>
  readonly args?: ReadonlyArray<ArgDef>
  readonly values?: Record<string, unknown>
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
  readonly concurrency?: number
  readonly inheritEnv?: boolean
}

function resolvedPlan(dir: string, o: PlanOptions = {}): ResolvedPlan {
  const id = o.id ?? "demo"
  const argspec = { args: o.args ?? [] }
  const steps = o.steps ?? [{ id: "main", argv: ["./run.sh"], needs: [] }]
  const secretNames = argspec.args.filter((a) => a.format === "secret").map((a) => a.name)
  const values = o.values ?? {}
  const job: Job = {
    id,
    local_id: id,
    source: "default",
    name: id,
    dir,
    steps,
    argspec,
    env: o.env ?? {},
    warnings: [],
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {})
  }
  const settings = { network: false, inheritEnv: o.inheritEnv ?? false, rootfsWritable: false }
  const args = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secretNames.includes(k) ? "***" : v]))
  return {
    job,
    values,
    secretNames,
    settings,
    executor,
    plan: {
      job_id: id,
      source: "default",
      job: { name: id },
      args,
      argspec,
      profile: "secure",
      executor: { kind: "process", available: true, details: {} },
      steps,
      timeout_ms: o.timeoutMs ?? 60_000,
      provenance: {},
      warnings: []
    }
  }
}

type Services = Runner | Store | EventBus

/** Runs `program` against a fresh data directory with the sqlite store. */
function withEngine<A>(t: Teardown, program: Effect.Effect<A, unknown, Services>, settings: Partial<EngineSettings> = {}) {
  const dataDir = tempDir(t, "flwd-data-")
  const config: EngineSettings = {
    dataDir,
    profile: "secure",
    policy: {},
    allowedLocalRoots: [],
    maxConcurrentRuns: 4,
    defaultTimeoutMs: 3_600_000,
    killGraceMs: 300,
    ...settings
  }
  const store = SqliteStore.layer({ path: join(dataDir, "flwd.db") })
  const bus = EventBusLive.layer.pipe(Layer.provideMerge(store))
  // SQLite has no shared queue, so the Runner never plans a run again here.
  const planner = Layer.succeed(Planner, { plan: () => Effect.dieMessage("a SQLite engine never plans a claimed run") })
  const layer = RunnerLive.layer.pipe(Layer.provideMerge(bus), Layer.provide(Layer.succeed(EngineConfig, config)), Layer.provide(planner))
  return Effect.runPromise(Effect.provide(program, layer)).then((a) => ({ result: a, dataDir }))
}

/** The run's events up to its terminal event. */
const events = (runId: string) => Effect.flatMap(EventBus, (bus) => Stream.runCollect(bus.follow({ run_id: runId }))).pipe(Effect.map(Chunk.toArray))

/** Waits until the run journals an event matching `pred`. */
const waitFor = (runId: string, pred: (e: RunEvent) => boolean) =>
  Effect.flatMap(EventBus, (bus) => Stream.runCollect(bus.follow({ run_id: runId }).pipe(Stream.takeUntil(pred), Stream.filter(pred))))

const logs = (evs: ReadonlyArray<RunEvent>, stream = "stdout") =>
  evs.filter((e) => e.type === "log" && e.data.stream === stream).map((e) => e.data.line as string)

t.test("start() runs a job and journals the full event sequence", async (t) => {
  const dir = jobDir(t, {
    "run.sh": '#!/bin/sh\necho "hello $ARG_NAME"\necho "loud=$ARG_LOUD tags=$ARG_TAGS"\necho "$FLWD_ARGS_JSON"\n' +
      'echo "$FLWD_RUN_ID $FLWD_JOB_ID"\necho data > "$FLWD_RUN_DIR/out.txt"\necho "$FLWD_RUN_DIR"\n'
  })
  const plan = resolvedPlan(dir, {
    args: [{ name: "name", type: "string" }, { name: "loud", type: "boolean" }, { name: "tags", type: "array" }],
    values: { name: "world", loud: true, tags: ["a", "b"] }
  })
  const { result: [run, evs, final] } = await withEngine(
    t,
    Effect.gen(function* () {
      const runner = yield* Runner
      const run = yield* runner.start(plan)
      const evs = yield* events(run.id)
      yield* runner.awaitIdle
      return [run, evs, yield* Effect.flatMap(Store, (s) => s.getRun(run.id))] as const
    })
  )
  t.match(run.id, /^run_[0-9a-z]{26}$/)
  t.equal(run.status, "queued")
  t.same(evs.map((e) => e.type), ["run.queued", "run.started", "step.started", "log", "log", "log", "log", "log", "step.finished", "run.finished"])
  t.ok(evs.every((e, i) => i === 0 || e.id > evs[i - 1].id), "ids increase")
  t.same(evs[0].data, { job_id: "demo" })
  t.same(evs[2].data, { step: "main" })
  t.same(evs[8].data, { step: "main", status: "succeeded", exit_code: 0 })
  t.same(evs[9].data, { exit_code: 0 })
  const out = logs(evs)
  t.equal(out[0], "hello world")
  t.equal(out[1], 'loud=true tags=["a","b"]')
  t.same(JSON.parse(out[2]), { name: "world", loud: true, tags: ["a", "b"] })
  t.equal(out[3], `${run.id} demo`)
  t.equal(readFileSync(join(out[4], "out.txt"), "utf8"), "data\n")
  t.equal(final?.status, "succeeded")
  t.equal(final?.exit_code, 0)
  t.ok(final?.started_at && final?.finished_at)
})

t.test("a non-zero exit fails the run with its exit code and stderr lines", async (t) => {
  const dir = jobDir(t, { "run.sh": "#!/bin/sh\necho bad >&2\necho worse >&2\nexit 3\n" })
  const { result: [evs, final] } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) => r.start(resolvedPlan(dir)))
      const evs = yield* events(run.id)
      yield* Effect.flatMap(Runner, (r) => r.awaitIdle)
      return [evs, yield* Effect.flatMap(Store, (s) => s.getRun(run.id))] as const
    })
  )
  t.same(logs(evs, "stderr"), ["bad", "worse"])
  t.same(evs.at(-1)?.data, { code: "run.exit.nonzero", detail: "exited with code 3", exit_code: 3 })
  t.equal(final?.status, "failed")
  t.equal(final?.exit_code, 3)
  t.same(final?.error, { code: "run.exit.nonzero", detail: "exited with code 3" })
})

t.test("argument values reach the job verbatim, never through a shell", async (t) => {
  const dir = jobDir(t, {
    "run.sh": "#!/bin/sh\nprintf '%s' \"$ARG_A\" > a.out\nprintf '%s' \"$ARG_B\" > b.out\nprintf '%s' \"$ARG_C\" > c.out\n" +
      "printf '%s' \"$FLWD_ARGS_JSON\" > json.out\n"
  })
  const marker = join(dir, "pwned")
  const values = { a: `$(touch ${marker})`, b: "; rm -rf . `touch x` | cat", c: "line1\nline2 \"quoted\" 'single'\n" }
  await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) =>
        r.start(resolvedPlan(dir, {
          args: [{ name: "a", type: "string" }, { name: "b", type: "string" }, { name: "c", type: "string" }],
          values
        })))
      yield* events(run.id)
    })
  )
  t.equal(readFileSync(join(dir, "a.out"), "utf8"), values.a)
  t.equal(readFileSync(join(dir, "b.out"), "utf8"), values.b)
  t.equal(readFileSync(join(dir, "c.out"), "utf8"), values.c)
  t.same(JSON.parse(readFileSync(join(dir, "json.out"), "utf8")), values)
  t.notOk(existsSync(marker), "no command substitution")
  t.notOk(existsSync(join(dir, "x")), "no backticks")
})

t.test("a secret is a 0400 file, absent from env, events, logs and the database", async (t) => {
  const secret = "hunter2-Sup3rS3cret"
  const dir = jobDir(t, {
    "run.sh": '#!/bin/sh\nstat -c \'%a\' "$FLWD_SECRETS_DIR/token"\necho "$FLWD_SECRETS_DIR" > secrets-dir.out\n' +
      'env > env.out\necho "the token is $(cat "$FLWD_SECRETS_DIR/token")!"\n'
  })
  const { result: [evs, final], dataDir } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) =>
        r.start(resolvedPlan(dir, {
          args: [{ name: "user", type: "string" }, { name: "token", type: "string", format: "secret" }],
          values: { user: "bob", token: secret }
        })))
      const evs = yield* events(run.id)
      return [evs, yield* Effect.flatMap(Store, (s) => s.getRun(run.id))] as const
    })
  )
  t.same(logs(evs), ["400", "the token is ***!"])
  const env = readFileSync(join(dir, "env.out"), "utf8")
  t.notOk(env.includes(secret), "not in the environment")
  t.notOk(env.includes("ARG_TOKEN"), "no ARG_ for a secret")
  t.ok(env.includes("ARG_USER=bob"))
  t.notOk(JSON.stringify(evs).includes(secret), "not in events")
  t.notOk(JSON.stringify(final).includes(secret), "not in the run")
  t.equal(final?.args.token, "***")
  for (const file of ["flwd.db", "flwd.db-wal"]) {
    if (existsSync(join(dataDir, file))) t.notOk(readFileSync(join(dataDir, file)).includes(secret), `not in ${file}`)
  }
  t.notOk(existsSync(readFileSync(join(dir, "secrets-dir.out"), "utf8").trim()), "secrets removed after the step")
})

t.test("steps run as a DAG: parallel branches, a failure skips only its dependants", async (t) => {
  // a and c each wait for the other to have started: they finish only if run in parallel.
  const waitFile = (f: string) => `i=0; while [ ! -e ${f} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ -e ${f} ] || exit 9\n`
  const dir = jobDir(t, {
    "a.sh": `#!/bin/sh\ntouch a.started\n${waitFile("c.started")}exit 2\n`,
    "c.sh": `#!/bin/sh\ntouch c.started\n${waitFile("a.started")}echo c done\n`,
    "b.sh": "#!/bin/sh\ntouch b.ran\n",
    "d.sh": "#!/bin/sh\necho d done\n"
  })
  const steps = [
    { id: "a", argv: ["./a.sh"], needs: [] },
    { id: "b", argv: ["./b.sh"], needs: ["a"] },
    { id: "c", argv: ["./c.sh"], needs: [] },
    { id: "d", argv: ["./d.sh"], needs: ["c"] }
  ]
  const { result: evs } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) => r.start(resolvedPlan(dir, { steps })))
      return yield* events(run.id)
    })
  )
  const finished = Object.fromEntries(evs.filter((e) => e.type === "step.finished").map((e) => [e.data.step, e.data]))
  t.same(finished.a, { step: "a", status: "failed", exit_code: 2 })
  t.same(finished.b, { step: "b", status: "skipped" })
  t.same(finished.c, { step: "c", status: "succeeded", exit_code: 0 })
  t.same(finished.d, { step: "d", status: "succeeded", exit_code: 0 })
  t.notOk(existsSync(join(dir, "b.ran")))
  t.same(logs(evs), ["c done", "d done"])
  t.same(evs.at(-1)?.data, { code: "run.exit.nonzero", detail: 'step "a" exited with code 2', exit_code: 2 })
})

t.test("the run timeout stops a job that traps SIGTERM and its sleeping grandchild", async (t) => {
  const dir = jobDir(t, {
    "run.sh": "#!/bin/sh\ntrap '' TERM\nsh -c 'trap \"\" TERM; echo $$ > grandchild.pid; while true; do sleep 1; done' &\necho started\nwait\n"
  })
  const { result: [evs, final] } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) => r.start(resolvedPlan(dir, { timeoutMs: 500 })))
      const evs = yield* events(run.id)
      return [evs, yield* Effect.flatMap(Store, (s) => s.getRun(run.id))] as const
    })
  )
  t.equal(evs.at(-1)?.type, "run.failed")
  t.equal(evs.at(-1)?.data.code, "run.timeout")
  t.same(evs.find((e) => e.type === "step.finished")?.data, { step: "main", status: "canceled" })
  t.equal(final?.status, "failed")
  t.equal(final?.error?.code, "run.timeout")
  t.ok(Number(readFileSync(join(dir, "grandchild.pid"), "utf8")) > 0)
  t.same(processesIn(dir), [], "grandchild is gone")
})

t.test("cancel() stops a running run; a finished or unknown run is refused", async (t) => {
  const dir = jobDir(t, { "run.sh": "#!/bin/sh\necho $$ > leader.pid\necho ready\nexec sleep 60\n" })
  const { result: [canceled, evs, again, unknown] } = await withEngine(
    t,
    Effect.gen(function* () {
      const runner = yield* Runner
      const run = yield* runner.start(resolvedPlan(dir))
      yield* waitFor(run.id, (e) => e.type === "log" && e.data.line === "ready")
      const canceled = yield* runner.cancel(run.id)
      const evs = yield* events(run.id)
      const again = yield* Effect.exit(runner.cancel(run.id))
      const unknown = yield* Effect.exit(runner.cancel("run_nope"))
      return [canceled, evs, again, unknown] as const
    })
  )
  t.equal(canceled.status, "canceled")
  t.ok(canceled.finished_at)
  t.same(evs.at(-1)?.data, { reason: "canceled on request" })
  t.same(processesIn(dir), [], "process is gone")
  t.ok(Exit.isFailure(again) && JSON.stringify(again.cause).includes("run.not.cancelable"))
  t.ok(Exit.isFailure(unknown) && JSON.stringify(unknown.cause).includes("run.not.found"))
})

const blocking = (t: Teardown) => jobDir(t, { "run.sh": '#!/bin/sh\necho started\nwhile [ ! -e "$RELEASE" ]; do sleep 0.05; done\necho released\n' })

t.test("the global limit queues runs FIFO; a queued run can be canceled", async (t) => {
  const dir = blocking(t)
  const release = join(dir, "release")
  const plan = resolvedPlan(dir, { env: { RELEASE: release } })
  const { result: r } = await withEngine(
    t,
    Effect.gen(function* () {
      const runner = yield* Runner
      const store = yield* Store
      const a = yield* runner.start(plan)
      yield* waitFor(a.id, (e) => e.type === "log" && e.data.line === "started")
      const b = yield* runner.start(plan)
      const c = yield* runner.start(plan)
      const d = yield* runner.start(plan)
      const queued = [(yield* store.getRun(b.id))?.status, (yield* store.getRun(c.id))?.status]
      const active = yield* runner.active
      const canceledB = yield* runner.cancel(b.id)
      writeFileSync(release, "")
      yield* runner.awaitIdle
      const started = (id: string) => Effect.map(events(id), (evs) => evs.find((e) => e.type === "run.started")?.id ?? -1)
      return {
        ids: [a.id, b.id, c.id, d.id],
        queued,
        active,
        canceledB,
        bEvents: yield* events(b.id),
        cStart: yield* started(c.id),
        dStart: yield* started(d.id),
        statuses: [(yield* store.getRun(a.id))?.status, (yield* store.getRun(c.id))?.status, (yield* store.getRun(d.id))?.status],
        after: yield* runner.active
      }
    }),
    { maxConcurrentRuns: 1 }
  )
  t.ok(r.ids.every((id, i) => i === 0 || id > r.ids[i - 1]), "ids sort by creation")
  t.same(r.queued, ["queued", "queued"])
  t.equal(r.active.length, 4)
  t.equal(r.canceledB.status, "canceled")
  t.same(r.bEvents.map((e) => e.type), ["run.queued", "run.canceled"])
  t.ok(r.cStart > 0 && r.dStart > r.cStart, "queued runs start in order")
  t.same(r.statuses, ["succeeded", "succeeded", "succeeded"])
  t.same(r.after, [])
})

t.test("a per-job limit queues runs of that job while other jobs proceed", async (t) => {
  const dir = blocking(t)
  const release = join(dir, "release")
  const limited = resolvedPlan(dir, { id: "limited", concurrency: 1, env: { RELEASE: release } })
  const other = resolvedPlan(dir, { id: "other", env: { RELEASE: release } })
  const { result: r } = await withEngine(
    t,
    Effect.gen(function* () {
      const runner = yield* Runner
      const store = yield* Store
      const first = yield* runner.start(limited)
      yield* waitFor(first.id, (e) => e.type === "log" && e.data.line === "started")
      const second = yield* runner.start(limited)
      const third = yield* runner.start(other)
      yield* waitFor(third.id, (e) => e.type === "log" && e.data.line === "started")
      const during = [(yield* store.getRun(second.id))?.status, (yield* store.getRun(third.id))?.status]
      writeFileSync(release, "")
      yield* runner.awaitIdle
      return { during, final: (yield* store.getRun(second.id))?.status }
    })
  )
  t.same(r.during, ["queued", "running"])
  t.equal(r.final, "succeeded")
})

t.test("without env inheritance a host variable does not reach the job", async (t) => {
  process.env.FLWD_TEST_HOST_ONLY = "from-host"
  t.teardown(() => {
    delete process.env.FLWD_TEST_HOST_ONLY
  })
  const dir = jobDir(t, { "run.sh": '#!/bin/sh\necho "host=${FLWD_TEST_HOST_ONLY:-unset} path=${PATH:+set} job=$JOBVAR"\n' })
  const run = (inheritEnv: boolean) =>
    withEngine(
      t,
      Effect.gen(function* () {
        const r = yield* Effect.flatMap(Runner, (runner) => runner.start(resolvedPlan(dir, { inheritEnv, env: { JOBVAR: "x" } })))
        return logs(yield* events(r.id))
      })
    )
  t.same((await run(false)).result, ["host=unset path=set job=x"])
  t.same((await run(true)).result, ["host=from-host path=set job=x"])
})

t.test("a job printing 100 MB completes with bounded memory", async (t) => {
  // 100,000 lines of 1,000 bytes.
  const dir = jobDir(t, { "run.sh": "#!/bin/sh\nyes \"$(printf '%0999d' 0)\" | head -c 100000000\n" })
  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  const { result: r } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (runner) => runner.start(resolvedPlan(dir)))
      yield* waitFor(run.id, (e) => e.type === "run.finished" || e.type === "run.failed")
      const store = yield* Store
      let after = 0
      let lines = 0
      let bytes = 0
      while (true) {
        const page = yield* store.listEvents({ run_id: run.id, after, limit: 1000 })
        if (page.length === 0) break
        for (const e of page) {
          if (e.type === "log") {
            lines++
            bytes += (e.data.line as string).length + 1
          }
        }
        after = page[page.length - 1].id
      }
      return { lines, bytes, status: (yield* store.getRun(run.id))?.status }
    })
  )
  clearInterval(sampler)
  t.equal(r.status, "succeeded")
  t.equal(r.lines, 100_000)
  t.equal(r.bytes, 100_000_000)
  t.ok(peak - before < 400 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MB`)
})

t.test("a step that cannot start fails the run with executor.failed", async (t) => {
  const dir = jobDir(t, {})
  const { result: evs } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) => r.start(resolvedPlan(dir, { steps: [{ id: "main", argv: ["./missing.sh"], needs: [] }] })))
      return yield* events(run.id)
    })
  )
  const detail = "cannot execute ./missing.sh: not found (or its interpreter is missing)"
  t.same(evs.find((e) => e.type === "step.finished")?.data, {
    step: "main",
    status: "failed",
    exit_code: null,
    error: { code: "executor.failed", detail }
  })
  t.same(evs.at(-1)?.data, { code: "executor.failed", detail, exit_code: null })
})

t.test("steps that do not form a DAG fail the run before anything starts", async (t) => {
  const dir = jobDir(t, { "run.sh": "#!/bin/sh\ntouch ran\n" })
  const steps = [{ id: "a", argv: ["./run.sh"], needs: ["b"] }, { id: "b", argv: ["./run.sh"], needs: ["a"] }]
  const { result: evs } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) => r.start(resolvedPlan(dir, { steps })))
      return yield* events(run.id)
    })
  )
  t.same(evs.map((e) => e.type), ["run.queued", "run.started", "run.failed"])
  t.equal(evs.at(-1)?.data.code, "discovery.invalid")
  t.notOk(existsSync(join(dir, "ran")))
})

t.test("closing the Runner's scope cancels its runs and stops their processes", async (t) => {
  const dir = jobDir(t, { "run.sh": "#!/bin/sh\necho $$ > leader.pid\necho ready\nexec sleep 60\n" })
  const { result: runId, dataDir } = await withEngine(
    t,
    Effect.gen(function* () {
      const run = yield* Effect.flatMap(Runner, (r) => r.start(resolvedPlan(dir)))
      yield* waitFor(run.id, (e) => e.type === "log" && e.data.line === "ready")
      return run.id
    })
  )
  t.same(processesIn(dir), [], "process is gone")
  const [run, evs] = await Effect.runPromise(Effect.provide(
    Effect.flatMap(Store, (s) => Effect.all([s.getRun(runId), s.listEvents({ run_id: runId })])),
    SqliteStore.layer({ path: join(dataDir, "flwd.db") })
  ))
  t.equal(run?.status, "canceled")
  t.same(evs.at(-1)?.data, { reason: "engine stopped" })
})
