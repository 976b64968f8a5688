/**
 * A secret argument's default over a real engine (SQLite store, process
 * executor): it reaches the job as its secret file, and nothing the engine
 * hands out — jobs, the args JSON Schema, plans, runs, events — shows it.
 * Also: argument keys that name no argument (`__proto__`, `constructor`,
 * `prototype`) are `args.invalid`, and inside an object argument they stay
 * plain data.
 */
import t, { type Test } from "tap"
import { join } from "node:path"
import * as Stream from "effect/Stream"
import type { EngineHandle, RunEvent } from "../../../mod.ts"
import { call, rejection, startEngine, tempDir } from "../../helpers/engine.ts"
import { GIVEN_SECRET, SECRET_DEFAULT, sha256, writeVaultJob } from "../../helpers/vault-job.ts"

async function vaultEngine(t: Test): Promise<EngineHandle> {
  const dir = tempDir(t)
  const root = join(dir, "jobs")
  writeVaultJob(root)
  return startEngine(t, { root, dataDir: join(dir, "data"), allowedLocalRoots: [dir] })
}

async function runEvents(engine: EngineHandle, id: string): Promise<Array<RunEvent>> {
  return [...await call(engine, (e) => Stream.runCollect(e.runEvents(id)))]
}

function logText(events: ReadonlyArray<RunEvent>): string {
  return events.filter((e) => e.type === "log").map((e) => String(e.data.line)).join("\n")
}

t.test("Engine.jobs() and Engine.job() mark a secret default without its value", async (t) => {
  const engine = await vaultEngine(t)
  const jobs = await call(engine, (e) => e.jobs())
  t.notOk(JSON.stringify(jobs).includes(SECRET_DEFAULT), "not in the catalogue")
  const view = await call(engine, (e) => e.job("vault"))
  t.notOk(JSON.stringify(view).includes(SECRET_DEFAULT), "not in the job view nor its JSON Schema")
  const token = view.job.argspec.args.find((a) => a.name === "token")
  t.equal(token?.default, "***", "the argspec shows that a default exists")
  t.match(view.argsSchema, {
    properties: { token: { type: "string", format: "secret", writeOnly: true, "x-has-default": true }, greeting: { default: "hello" } }
  })
  t.notOk(Object.hasOwn((view.argsSchema.properties as Record<string, object>).token, "default"), "no JSON Schema default a form would send back")
  t.notOk((view.argsSchema.required as Array<string>).includes("token"))
})

t.test("Engine.plan() and a run bind a secret default as a file and show it nowhere", async (t) => {
  const engine = await vaultEngine(t)
  const plan = await call(engine, (e) => e.plan({ job: "vault" }))
  t.equal(plan.args.token, "***")
  t.equal(plan.args.greeting, "hello")
  t.notOk(JSON.stringify(plan).includes(SECRET_DEFAULT), "not in the plan (args or argspec)")

  const run = await call(engine, (e) => e.run({ job: "vault" }))
  t.notOk(JSON.stringify(run).includes(SECRET_DEFAULT), "not in the queued run")
  const events = await runEvents(engine, run.id)
  t.equal(events.at(-1)?.type, "run.finished")
  t.notOk(JSON.stringify(events).includes(SECRET_DEFAULT), "not in any event")
  const log = logText(events)
  t.match(log, `length=${SECRET_DEFAULT.length}`, "the job read the default from its secret file")
  t.match(log, `sha256=${sha256(SECRET_DEFAULT)}`)
  t.match(log, "raw=***", "the value the job printed is masked")
  const stored = await call(engine, (e) => e.getRun(run.id))
  t.equal(stored.status, "succeeded")
  t.notOk(JSON.stringify(stored).includes(SECRET_DEFAULT), "not in the stored run")
  const page = await call(engine, (e) => e.runs({}))
  t.notOk(JSON.stringify(page).includes(SECRET_DEFAULT), "not in the run list")
  const journal = await call(engine, (e) => e.journal({ after: 0 }))
  t.notOk(JSON.stringify(journal).includes(SECRET_DEFAULT), "not in the journal")
})

t.test("a given secret still wins over the default", async (t) => {
  const engine = await vaultEngine(t)
  const run = await call(engine, (e) => e.run({ job: "vault", args: { token: GIVEN_SECRET } }))
  const events = await runEvents(engine, run.id)
  t.match(logText(events), `sha256=${sha256(GIVEN_SECRET)}`)
  t.notOk(JSON.stringify(events).includes(GIVEN_SECRET))
})

t.test("Engine.plan() rejects __proto__, constructor and prototype keys as unknown arguments", async (t) => {
  const engine = await vaultEngine(t)
  for (const key of ["__proto__", "constructor", "prototype"]) {
    const args = JSON.parse(`{"${key}": {"token": "x"}, "greeting": "hi"}`) as Record<string, unknown>
    const error = await rejection(call(engine, (e) => e.plan({ job: "vault", args })))
    t.equal(error.code, "args.invalid", key)
    t.same(error.errors, [{ path: `args.${key}`, message: "is not an argument of this job" }], key)
  }
  t.equal(({} as Record<string, unknown>).token, undefined, "no prototype was touched")
})

t.test("a __proto__ key inside an object argument stays plain data", async (t) => {
  const engine = await vaultEngine(t)
  const meta = JSON.parse(`{"__proto__": {"polluted": true}, "a": 1}`) as Record<string, unknown>
  const plan = await call(engine, (e) => e.plan({ job: "vault", args: { meta } }))
  const shown = plan.args.meta as Record<string, unknown>
  t.ok(Object.hasOwn(shown, "__proto__"), "kept as an own key")
  t.equal(Object.getPrototypeOf(shown), Object.prototype, "the value's prototype is unchanged")
  t.equal(shown.polluted, undefined)
  const run = await call(engine, (e) => e.run({ job: "vault", args: { meta } }))
  t.match(logText(await runEvents(engine, run.id)), `meta={"__proto__":{"polluted":true},"a":1}`, "the job receives it as sent")
})
