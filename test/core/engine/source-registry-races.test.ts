/**
 * Concurrent operations on one source name, through a real engine (SQLite
 * store, restart on the same data directory) and a source plugin whose
 * resolve and load the test holds open: a refresh or re-resolve that
 * finishes after the source was removed, re-added or refreshed again must
 * not bring back or overwrite what replaced it, and every state replaced
 * or discarded is released through the plugin.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { DatabaseSync } from "node:sqlite"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { defineSourcePlugin, type EngineOptions, type LoadedSource, PullPolicy, Schema, sourceError, sourceSpec } from "../../../mod.ts"
import { discoverJobTreeEffect } from "../../../plugins/tree/mod.ts"
import { call, rejection, startEngine, tempDir } from "../../helpers/engine.ts"

/** One plugin call the test may hold open: it finishes when `finish()` is called. */
interface Held {
  readonly kind: "resolve" | "load"
  readonly name: string
  readonly pin: string | null
  readonly finish: () => void
}

/**
 * A source kind `ctl` that re-resolves: each resolve names the next
 * revision (`rev-1`, `rev-2`, …, or what `next` says), each load serves a
 * one-job tree whose provenance names the pin it loaded. While `hold` is
 * set, calls wait for the test; `released` lists what the engine released.
 */
function controlled(dir: string) {
  const tree = join(dir, "tree")
  mkdirSync(join(tree, "hello"), { recursive: true })
  writeFileSync(join(tree, "hello", "config.yaml"), "command: /bin/true\n")
  const waiting: Array<Held> = []
  const arrivals: Array<() => void> = []
  const released: Array<string | null> = []
  const state = { hold: false, revision: 0, unreachable: false }
  const gate = (kind: Held["kind"], name: string, pin: string | null) =>
    Effect.async<void>((resume) => {
      if (!state.hold) return resume(Effect.void)
      waiting.push({ kind, name, pin, finish: () => resume(Effect.void) })
      arrivals.splice(0).forEach((wake) => wake())
    })
  const plugin = defineSourcePlugin({
    type: "ctl",
    spec: sourceSpec("ctl", { pull_policy: Schema.optional(PullPolicy), label: Schema.optional(Schema.String) }),
    // A pin is `{ pin }`, which the provenance of a load repeats: a record stored before pins were core's has it there.
    pin: Schema.Struct({ pin: Schema.String }),
    make: Effect.succeed({
      resolve: (spec: { readonly name: string }) =>
        Effect.flatMap(
          gate("resolve", spec.name, null),
          () =>
            state.unreachable ? Effect.fail(sourceError("source.failed", "the remote cannot be reached")) : Effect.succeed({ pin: `rev-${++state.revision}` })
        ),
      load: (spec: { readonly name: string; readonly label?: string }, pinned: { readonly pin: string } | null) =>
        Effect.gen(function* () {
          const pin = pinned?.pin ?? null
          yield* gate("load", spec.name, pin)
          const found = yield* Effect.orDie(discoverJobTreeEffect(tree))
          return { root: tree, jobs: found.jobs, diagnostics: found.diagnostics, provenance: { pin, label: spec.label ?? null } } satisfies LoadedSource
        }),
      release: (_spec: unknown, loaded: LoadedSource) => Effect.sync(() => void released.push(loaded.provenance.pin as string | null))
    })
  })
  /** Waits until a call of `kind` is held, and returns it. */
  const next = async (kind: Held["kind"]): Promise<Held> => {
    for (;;) {
      const i = waiting.findIndex((h) => h.kind === kind)
      if (i >= 0) return waiting.splice(i, 1)[0]
      await new Promise<void>((wake) => arrivals.push(wake))
    }
  }
  return { plugin, state, next, released }
}

async function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t)
  const ctl = controlled(dir)
  const options: EngineOptions = { dataDir: join(dir, "data"), root: join(dir, "none"), plugins: { sources: [ctl.plugin] }, config: false }
  const engine = await startEngine(t, options)
  const names = async (e = engine) => (await call(e, (x) => x.sources())).map((s) => s.name).filter((n) => n !== "default")
  const source = (name: string, e = engine) => call(e, (x) => x.source(name))
  return { dir, ctl, options, engine, names, source }
}

t.test("a refresh whose load finishes after a remove does not bring the source back, also after a restart", async (t) => {
  const { ctl, options, engine, names } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "x" }))
  ctl.state.hold = true
  const refreshing = call(engine, (e) => e.refreshSource("x")).then(() => null, (e: unknown) => e)
  ;(await ctl.next("resolve")).finish()
  const load = await ctl.next("load")
  await call(engine, (e) => e.removeSource("x"))
  load.finish()
  t.match(await refreshing, { code: "source.not.found", detail: /was removed while it refreshed/ })
  t.same(await names(), [], "gone after the refresh")
  t.same(ctl.released, ["rev-1", "rev-2"], "the removed state and the discarded load are both released")
  await engine.dispose()
  ctl.state.hold = false
  const again = await startEngine(t, options)
  t.same(await names(again), [], "gone after a restart")
})

t.test("overlapping refreshes that finish out of order keep the newer state", async (t) => {
  const { ctl, engine, source } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "x" }))
  ctl.state.hold = true
  const slow = call(engine, (e) => e.refreshSource("x"))
  ;(await ctl.next("resolve")).finish()
  const slowLoad = await ctl.next("load")
  const fast = call(engine, (e) => e.refreshSource("x"))
  ;(await ctl.next("resolve")).finish()
  ;(await ctl.next("load")).finish()
  t.match((await fast).provenance, { pin: "rev-3" })
  slowLoad.finish()
  t.match((await slow).provenance, { pin: "rev-3" }, "the overtaken refresh answers with the state that won")
  t.match(await source("x"), { provenance: { pin: "rev-3" }, pin: { pin: "rev-3" } })
  t.same(ctl.released, ["rev-1", "rev-2"], "the replaced state and the overtaken load are released")
})

t.test("a re-add while a refresh loads wins over the refresh", async (t) => {
  const { ctl, engine, source } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "x", label: "old" }))
  ctl.state.hold = true
  const refreshing = call(engine, (e) => e.refreshSource("x"))
  ;(await ctl.next("resolve")).finish()
  const refreshLoad = await ctl.next("load")
  const adding = call(engine, (e) => e.addSource({ type: "ctl", name: "x", label: "new" }))
  ;(await ctl.next("resolve")).finish()
  ;(await ctl.next("load")).finish()
  await adding
  refreshLoad.finish()
  t.match((await refreshing).provenance, { label: "new" })
  t.match(await source("x"), { spec: { label: "new" }, provenance: { label: "new", pin: "rev-3" } })
  t.same(ctl.released.sort(), ["rev-1", "rev-2"])
})

t.test("a re-resolve before use that finishes after a remove does not bring the source back", async (t) => {
  const { ctl, engine, names } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "x", pull_policy: "always" }))
  ctl.state.hold = true
  const planning = call(engine, (e) => e.plan({ job: "x/hello" })).then(() => null, (e: unknown) => e)
  const resolve = await ctl.next("resolve")
  await call(engine, (e) => e.removeSource("x"))
  resolve.finish()
  ;(await ctl.next("load")).finish()
  await planning
  t.same(await names(), [], "still removed")
  t.same(ctl.released, ["rev-1", "rev-2"], "the removed state and the discarded re-resolve are released")
})

t.test("a remove while an add loads leaves the added source (the add came last)", async (t) => {
  const { ctl, engine, names } = await setup(t)
  ctl.state.hold = true
  const adding = call(engine, (e) => e.addSource({ type: "ctl", name: "x" }))
  const resolve = await ctl.next("resolve")
  t.match(await rejection(call(engine, (e) => e.removeSource("x"))), { code: "source.not.found" }, "nothing to remove yet")
  resolve.finish()
  ;(await ctl.next("load")).finish()
  await adding
  t.same(await names(), ["x"])
})

t.test("pull policies: always re-resolves at each use, on-run once after a start, on-add never", async (t) => {
  const { options, engine, source } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "a", pull_policy: "always" }))
  await call(engine, (e) => e.addSource({ type: "ctl", name: "r", pull_policy: "on-run" }))
  await call(engine, (e) => e.addSource({ type: "ctl", name: "n" }))
  const plan = (job: string, e = engine) => call(e, (x) => x.plan({ job }))
  t.match((await plan("a/hello")).provenance, { pin: "rev-4" }, "always: a new revision is loaded before the plan")
  t.match((await plan("r/hello")).provenance, { pin: "rev-2" }, "on-run: not before a restart")
  t.match((await plan("n/hello")).provenance, { pin: "rev-3" })
  await engine.dispose()
  const again = await startEngine(t, options)
  t.match(await source("r", again), { provenance: { pin: "rev-2", resolution: "pending" } }, "on-run: served from the stored pin, pending")
  t.match(await source("n", again), { provenance: { pin: "rev-3" }, pin: { pin: "rev-3" } }, "on-add: the stored pin")
  t.match((await plan("r/hello", again)).provenance, { pin: "rev-5" }, "on-run: the first use after the start re-resolves")
  t.match((await plan("r/hello", again)).provenance, { pin: "rev-5" }, "and only the first")
})

t.test("on-startup: each start resolves again; an unreachable remote keeps the stored pin, marked stale", async (t) => {
  const { ctl, options, engine } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "s", pull_policy: "on-startup" }))
  await engine.dispose()
  const moved = await startEngine(t, options)
  t.match(await call(moved, (e) => e.source("s")), { status: "ready", pin: { pin: "rev-2" }, provenance: { pin: "rev-2" }, diagnostics: [] })
  await moved.dispose()
  ctl.state.unreachable = true
  const offline = await startEngine(t, options)
  t.match(await call(offline, (e) => e.source("s")), {
    status: "ready",
    pin: { pin: "rev-2" },
    provenance: { pin: "rev-2" },
    diagnostics: [{ level: "warning", code: "source.stale", message: /the remote cannot be reached/ }]
  })
})

t.test("a source stored before pins were core's keeps what it pinned: the pin is read from its provenance", async (t) => {
  const { ctl, options, engine } = await setup(t)
  await call(engine, (e) => e.addSource({ type: "ctl", name: "old" }))
  await engine.dispose()
  // What an older flwd left: the record without a pin.
  const db = new DatabaseSync(join(options.dataDir!, "flwd.db"))
  db.exec("UPDATE sources SET pin = NULL")
  db.close()
  const again = await startEngine(t, options)
  t.match(await call(again, (e) => e.source("old")), { status: "ready", pin: { pin: "rev-1" }, provenance: { pin: "rev-1" } })
  t.equal(ctl.state.revision, 1, "nothing was resolved again")
})
