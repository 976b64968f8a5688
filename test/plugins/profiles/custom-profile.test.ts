/**
 * A custom profile plugin (`locked`, stricter than secure, admitting no
 * source) loaded as any plugin is, and the profile decisions of runs in
 * their own event streams.
 */
import t from "tap"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { EngineHandle, ProfilePlugin, RunEvent } from "../../../mod.ts"
import { call, exampleTree, rejection, startEngine } from "../../helpers/engine.ts"
import locked from "./fixtures/locked-profile.ts"

const fixture = join(import.meta.dirname, "fixtures", "locked-profile.ts")
const hello = { job: "hello-world", args: { name: "Alice" } }

const runEvents = async (engine: EngineHandle, id: string): Promise<Array<RunEvent>> => [...await call(engine, (e) => Stream.runCollect(e.runEvents(id)))]
const decisions = async (engine: EngineHandle) =>
  (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "policy.decision").map((ev) => ev.data as Record<string, unknown>)

t.test("a profile plugin module loaded by path becomes the default and admits no source", async (t) => {
  const tree = exampleTree(t)
  const engine = await startEngine(t, { root: tree.root, dataDir: tree.dataDir, pluginModules: [fixture], profile: "locked" })
  const profiles = await call(engine, (e) => Effect.sync(() => e.profiles()))
  t.equal(profiles.default, "locked")
  t.ok(profiles.available.includes("locked"))
  const e = await rejection(call(engine, (x) => x.addSource({ type: "oci", name: "addon", ref: "127.0.0.1:5000/example/addon:1.0.0", trusted: true })))
  t.match(e, { code: "source.not.allowed", status: 403, detail: "profile locked admits no oci source" })
  t.match((await decisions(engine)).at(-1), { decision: "deny", code: "source.not.allowed", subject: "addon", profile: "locked" })
  t.equal((await call(engine, (x) => x.plan(hello))).profile, "locked", "its root jobs still plan, under it")
})

t.test("a stricter profile by request needs no override; the run's stream says why it runs under it", async (t) => {
  const tree = exampleTree(t)
  const engine = await startEngine(t, { root: tree.root, dataDir: tree.dataDir, plugins: { profiles: [locked] } })
  const run = await call(engine, (e) => e.run({ ...hello, profile: "locked" }))
  t.equal(run.profile, "locked")
  const events = await runEvents(engine, run.id)
  t.same(events.slice(0, 2).map((ev) => ev.type), ["run.queued", "policy.decision"], "the decision comes before the run starts")
  t.match(events[1], {
    run_id: run.id,
    data: {
      decision: "allow",
      code: "policy.profile.selected",
      subject: "hello-world",
      profile: "locked",
      reason: "profile locked, stricter than secure, requested"
    }
  })
})

t.test("under a custom default, a weaker request is denied without the override and warned with it, also in the run's stream", async (t) => {
  const tree = exampleTree(t)
  const engine = await startEngine(t, { root: tree.root, dataDir: tree.dataDir, plugins: { profiles: [locked] }, profile: "locked" })
  const denied = await rejection(call(engine, (e) => e.plan({ ...hello, profile: "secure" })))
  t.match(denied, { code: "policy.override.denied", status: 403 })
  t.match((await decisions(engine)).at(-1), {
    decision: "deny",
    code: "policy.override.denied",
    subject: "hello-world",
    profile: "locked",
    reason: "profile secure is weaker than locked"
  })

  const run = await call(engine, (e) => e.run({ ...hello, profile: "secure", allowOverride: true }))
  t.equal(run.profile, "secure")
  const events = await runEvents(engine, run.id)
  t.match(events[1], {
    type: "policy.decision",
    run_id: run.id,
    data: { decision: "warn", code: "policy.override", subject: "hello-world", profile: "secure", reason: "profile weakened from locked to secure by request" }
  })
  t.equal(events.at(-1)?.type, "run.finished")
  const plain = await call(engine, (e) => e.run(hello))
  t.notOk((await runEvents(engine, plain.id)).some((ev) => ev.type === "policy.decision"), "the default profile needs no decision")
})

t.test("a decision a profile plugin makes without naming itself is journaled with the profile it was made under", async (t) => {
  const tree = exampleTree(t)
  const quiet: ProfilePlugin = {
    ...locked,
    name: "quiet",
    admit: (request) =>
      request.kind === "source.add" ? { decision: "deny", subject: request.spec.name, code: "source.not.allowed", reason: "quiet" } : undefined
  }
  const engine = await startEngine(t, { root: tree.root, dataDir: tree.dataDir, plugins: { profiles: [quiet] }, profile: "quiet" })
  await rejection(call(engine, (x) => x.addSource({ type: "oci", name: "addon", ref: "127.0.0.1:5000/example/addon:1.0.0", trusted: true })))
  t.match((await decisions(engine)).at(-1), { decision: "deny", code: "source.not.allowed", reason: "quiet", profile: "quiet" })
})
