/**
 * The Engine façade over real parts: the example tree, the SQLite store and
 * the process executor.
 */
import t from "tap"
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { defineSourcePlugin, type RunEvent, Schema } from "../../../mod.ts"
import { call, exampleTree, rejection, startEngine } from "../../helpers/engine.ts"

t.test("Engine.plan() resolves defaults, hides secrets and runs nothing", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const plan = await call(engine, (e) => e.plan({ job: "hello-world", args: { name: "Alice", token: "hunter2-secret" } }))
  t.same(plan.args, { name: "Alice", loud: false, token: "***" })
  t.equal(plan.profile, "secure")
  t.equal(plan.executor.kind, "process")
  t.equal(plan.steps[0].id, "main")
  t.notOk(JSON.stringify(plan).includes("hunter2-secret"), "the secret is nowhere in the plan")
  const runs = await call(engine, (e) => e.runs({}))
  t.equal(runs.items.length, 0, "planning starts no run")
})

t.test("Engine.plan() reports one error per failing field", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const error = await rejection(call(engine, (e) => e.plan({ job: "hello-world", args: { loud: "yes", extra: 1 } })))
  t.equal(error.code, "args.invalid")
  t.same(error.errors.map((f: { path: string }) => f.path).sort(), ["args.extra", "args.loud", "args.name"])
})

t.test("Engine.plan() suggests near ids for a mistyped job", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const error = await rejection(call(engine, (e) => e.plan({ job: "helo-world", args: {} })))
  t.equal(error.code, "job.not.found")
  t.match(error.detail, /did you mean "hello-world"/)
})

t.test("a weaker profile needs the override right; a stricter one does not", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir], profile: "permissive" })
  const denied = await rejection(call(engine, (e) => e.plan({ job: "hello-world", args: { name: "A" }, profile: "disabled" })))
  t.equal(denied.code, "policy.override.denied")
  t.equal(denied.status, 403)
  const stricter = await call(engine, (e) => e.plan({ job: "hello-world", args: { name: "A" }, profile: "secure" }))
  t.equal(stricter.profile, "secure")
  const weaker = await call(engine, (e) => e.plan({ job: "hello-world", args: { name: "A" }, profile: "disabled", allowOverride: true }))
  t.equal(weaker.profile, "disabled")
  const decisions = await collect(engine, 0)
  const types = decisions.filter((e) => e.type === "policy.decision").map((e) => e.data.decision)
  t.same(types, ["deny", "warn"], "the denial and the override are both journaled")
})

t.test("a job's declared profile is a floor, never a weakening", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const strict = join(root, "strict")
  mkdirSync(strict)
  writeFileSync(join(strict, "config.yaml"), "command: ./run.sh\nsecurity_profile: secure\n")
  writeFileSync(join(strict, "run.sh"), "#!/bin/sh\necho strict\n", { mode: 0o755 })
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir], profile: "disabled" })
  const plan = await call(engine, (e) => e.plan({ job: "strict" }))
  t.equal(plan.profile, "secure")
})

t.test("Engine.addSource() exposes <source>/<job>, updates, and removes", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const extras = join(dir, "extras")
  cpSync(join(root, "hello-world"), join(extras, "hi"), { recursive: true })
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const first = await call(engine, (e) => e.addSource({ type: "local", name: "extras", path: extras }))
  t.equal(first.created, true)
  t.equal(first.source.job_count, 1)
  t.ok((await call(engine, (e) => e.jobs())).some((j) => j.id === "extras/hi" && j.source === "extras"))
  const plan = await call(engine, (e) => e.plan({ job: "hi", source: "extras", args: { name: "B" } }))
  t.equal(plan.job_id, "extras/hi")
  const again = await call(engine, (e) => e.addSource({ type: "fs", name: "extras", ref: extras }))
  t.equal(again.created, false, "the same name again is an update")
  await call(engine, (e) => e.removeSource("extras"))
  t.notOk((await call(engine, (e) => e.jobs())).some((j) => j.source === "extras"))
  const events = (await collect(engine, 0)).map((e) => e.type).filter((type) => type.startsWith("source."))
  t.same(events, ["source.added", "source.updated", "source.removed"])
})

t.test("Engine.addSource() rejects bad specs with field errors", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const unknown = await rejection(call(engine, (e) => e.addSource({ type: "local", name: "x", path: root, colour: "red" })))
  t.equal(unknown.code, "source.invalid")
  t.match(unknown.errors, [{ path: "colour" }])
  const badName = await rejection(call(engine, (e) => e.addSource({ type: "local", name: "Bad Name", path: root })))
  t.match(badName.errors, [{ path: "name" }])
  const reserved = await rejection(call(engine, (e) => e.addSource({ type: "local", name: "default", path: root })))
  t.equal(reserved.code, "source.name.reserved")
  const type = await rejection(call(engine, (e) => e.addSource({ type: "ftp", name: "x" })))
  t.equal(type.code, "source.type.unknown")
  const outside = await rejection(call(engine, (e) => e.addSource({ type: "local", name: "etc", path: "/etc" })))
  t.equal(outside.code, "source.not.allowed")
})

t.test("a plugin that throws fails its source only", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const broken = defineSourcePlugin({
    type: "broken",
    spec: Schema.Struct({ type: Schema.Literal("broken"), name: Schema.String }),
    make: Effect.succeed({
      load: () =>
        Effect.sync(() => {
          throw new Error("boom")
        })
    })
  })
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir], plugins: { sources: [broken] } })
  const error = await rejection(call(engine, (e) => e.addSource({ type: "broken", name: "b" })))
  t.equal(error.code, "source.plugin.failed")
  t.match(error.detail, /boom/)
  t.ok((await call(engine, (e) => e.jobs())).some((j) => j.id === "hello-world"), "other jobs keep working")
})

t.test("a bare id equal to a source's qualified id is a reported collision", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  cpSync(join(root, "hello-world"), join(root, "extras", "hi"), { recursive: true })
  const extras = join(dir, "extras")
  cpSync(join(root, "hello-world"), join(extras, "hi"), { recursive: true })
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  await call(engine, (e) => e.addSource({ type: "local", name: "extras", path: extras }))
  const diagnostics = await call(engine, (e) => e.diagnostics())
  t.match(diagnostics, [{ code: "discovery.collision", source: "extras" }])
  const job = await call(engine, (e) => e.job("extras/hi"))
  t.equal(job.job.source, "default", "the first registration keeps the id")
})

t.test("sources persist across engine restarts", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const extras = join(dir, "extras")
  cpSync(join(root, "hello-world"), join(extras, "hi"), { recursive: true })
  const first = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  await call(first, (e) => e.addSource({ type: "local", name: "extras", path: extras }))
  await first.dispose()
  const second = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const source = await call(second, (e) => e.source("extras"))
  t.equal(source.status, "ready")
  t.ok((await call(second, (e) => e.jobs())).some((j) => j.id === "extras/hi"))
})

t.test("Engine.run() journals the run and its output; the secret stays out of the DB", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const secret = "s3cr3t-value-4242"
  const run = await call(engine, (e) => e.run({ job: "hello-world", args: { name: "Ada", token: secret } }))
  const all = await runEvents(engine, run.id)
  t.same(all.map((e) => e.type).filter((x) => x !== "log"), ["run.queued", "run.started", "step.started", "step.finished", "run.finished"])
  t.ok(all.some((e) => e.type === "log" && String(e.data.line).includes("Hello, Ada")))
  const done = await call(engine, (e) => e.getRun(run.id))
  t.equal(done.status, "succeeded")
  t.equal(done.exit_code, 0)
  await engine.dispose()
  for (const file of ["flwd.db", "flwd.db-wal"]) {
    try {
      t.notOk(readFileSync(join(dataDir, file)).includes(secret), `${file} holds no secret`)
    } catch { /* the WAL may be checkpointed away */ }
  }
})

async function runEvents(engine: Awaited<ReturnType<typeof startEngine>>, id: string): Promise<Array<RunEvent>> {
  return [...await call(engine, (e) => Stream.runCollect(e.runEvents(id)))]
}

async function collect(engine: Awaited<ReturnType<typeof startEngine>>, after: number): Promise<Array<RunEvent>> {
  // The global stream never ends; take what is journaled now.
  return [
    ...await call(engine, (e) =>
      e.events({ after }).pipe(
        Stream.takeUntilEffect(() => Effect.succeed(false)),
        Stream.interruptAfter("200 millis"),
        Stream.runCollect
      ))
  ]
}

t.test("a plugin is built only when a source of its type is used, once per engine; a failed build is plugin.invalid and retried", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  let builds = 0
  const later = defineSourcePlugin({
    type: "later",
    spec: Schema.Struct({ type: Schema.Literal("later"), name: Schema.String }),
    make: Effect.sync(() => {
      builds++
      return { load: () => Effect.succeed({ root: dir, jobs: [], diagnostics: [], provenance: { built: builds } }) }
    })
  })
  let attempts = 0
  const flaky = defineSourcePlugin({
    type: "flaky",
    spec: Schema.Struct({ type: Schema.Literal("flaky"), name: Schema.String }),
    make: Effect.suspend(() => {
      attempts++
      return attempts === 1
        ? Effect.die(new Error("no such module"))
        : Effect.succeed({ load: () => Effect.succeed({ root: dir, jobs: [], diagnostics: [], provenance: {} }) })
    })
  })
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir], plugins: { sources: [later, flaky] } })
  await call(engine, (e) => e.plan({ job: "hello-world", args: { name: "A" } }))
  t.equal(builds, 0, "planning a local job builds nothing")
  const [a, b] = await Promise.all([
    call(engine, (e) => e.addSource({ type: "later", name: "l" })),
    call(engine, (e) => e.addSource({ type: "later", name: "m" }))
  ])
  t.same([a.source.provenance, b.source.provenance], [{ built: 1 }, { built: 1 }], "concurrent first uses share one build")
  await call(engine, (e) => e.refreshSource("l"))
  t.equal(builds, 1, "built once per engine")
  const error = await rejection(call(engine, (e) => e.addSource({ type: "flaky", name: "f" })))
  t.equal(error.code, "plugin.invalid")
  t.match(error.detail, /no such module/)
  await call(engine, (e) => e.addSource({ type: "flaky", name: "f" }))
  t.equal(attempts, 2, "the failed build is tried again at the next use")
})
