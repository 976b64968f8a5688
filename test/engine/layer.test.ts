/**
 * `layerEngine(options)`: the whole start as one Layer whose failures are
 * typed (a tagged `EngineStartError` in the Layer's error channel, seen by
 * an Effect program without a warm-up run), and whose Scope owns what the
 * engine acquires; `createEngine` builds it and releases it with `dispose`.
 */
import t, { type Test } from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Exit from "effect/Exit"
import { createEngine, defineSourcePlugin, Effect, Engine, EngineInfo, layerEngine, type Problem, sourceSpec } from "../../mod.ts"
import { exampleTree, rejection, tempDir } from "../helpers/engine.ts"

/** Builds the engine as an Effect program would, and returns how the build ended. */
function start(options: Parameters<typeof layerEngine>[0]) {
  const program = Effect.flatMap(Engine, (e) => e.jobs()).pipe(Effect.provide(layerEngine({ env: {}, ...options })))
  return Effect.runPromiseExit(program)
}

/** The typed failure of a build (fails the test when the build succeeded or died). */
async function startError(t: Test, options: Parameters<typeof layerEngine>[0]): Promise<Problem> {
  const exit = await start(options)
  if (Exit.isSuccess(exit)) throw new Error("the engine started")
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  t.ok(failure !== undefined, `a failure in the error channel, not a defect (${exit.cause._tag})`)
  return failure!
}

t.test("layerEngine() serves an Effect program and provides what the start found", async (t) => {
  const { root, dataDir } = exampleTree(t)
  const program = Effect.gen(function* () {
    const jobs = yield* Effect.flatMap(Engine, (e) => e.jobs())
    const info = yield* EngineInfo
    return { ids: jobs.map((j) => j.id), info }
  }).pipe(Effect.provide(layerEngine({ env: {}, config: false, root, dataDir })))
  const { ids, info } = await Effect.runPromise(program)
  t.ok(ids.includes("hello-world"))
  t.equal(info.settings.dataDir, dataDir)
  t.equal(info.config, null)
  t.equal(info.reconciled, null)
  t.ok(info.plugins.sources.some((p) => p.type === "oci"), "the built-in plugins are in the set")
})

t.test("each start failure is a tagged error in the Layer's error channel", async (t) => {
  const dir = tempDir(t)
  const base = { root: join(dir, "jobs"), dataDir: join(dir, "data") }

  writeFileSync(join(dir, "bad.yaml"), "data_dir: data\nprofile: 3\nnot_a_key: 1\n")
  const config = await startError(t, { ...base, config: join(dir, "bad.yaml") })
  t.match(config, { _tag: "ConfigError", code: "config.invalid" })
  t.same(config.errors?.map((e) => e.path).sort(), ["not_a_key", "profile"], "each failing field is named")

  writeFileSync(join(dir, "policy.yaml"), "allowed_local_roots: [/srv]\nno_such_key: true\n")
  const policy = await startError(t, { ...base, config: false, policyFile: join(dir, "policy.yaml") })
  t.match(policy, { code: "policy.invalid" })
  t.ok(policy.errors?.some((e) => e.path === "no_such_key"), "an unknown policy key is named")

  const plugin = await startError(t, { ...base, config: false, pluginModules: [join(dir, "missing-plugin.ts")] })
  t.match(plugin, { _tag: "PluginError", code: "plugin.invalid" })

  // A data directory that is a file cannot hold the store.
  writeFileSync(join(dir, "file"), "")
  const store = await startError(t, { ...base, config: false, dataDir: join(dir, "file", "data") })
  t.match(store, { _tag: "StoreError", code: "store.failed" })
})

t.test("createEngine rejects with the same tagged error, and starts again once it is fixed", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const file = join(dir, "flwd.yaml")
  writeFileSync(file, "sources:\n  - type: local\n    name: team\n    nope: 1\n")
  const error = await rejection(createEngine({ env: {}, config: file, root, dataDir, allowedLocalRoots: [dir] }))
  t.match(error, { _tag: "ConfigError", code: "config.invalid" })
  t.ok(error.errors.some((e: { path: string }) => e.path === "sources[0].nope"), "the declared source's field is named")
  writeFileSync(file, `sources:\n  - type: local\n    name: team\n    path: ${root}\n`)
  const engine = await createEngine({ env: {}, config: file, root, dataDir, allowedLocalRoots: [dir] })
  t.same(engine.reconciled?.added, ["team"])
  await engine.dispose()
})

t.test("dispose releases what the plugins built; a start that fails releases what it had built", async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, "tree"))
  const events: Array<string> = []
  const counted = defineSourcePlugin({
    type: "counted",
    spec: sourceSpec("counted", {}),
    make: Effect.gen(function* () {
      events.push("built")
      yield* Effect.addFinalizer(() => Effect.sync(() => void events.push("released")))
      return { load: () => Effect.succeed({ root: join(dir, "tree"), jobs: [], diagnostics: [], provenance: {} }) }
    })
  })
  const engine = await createEngine({ env: {}, config: false, root: join(dir, "none"), dataDir: join(dir, "data"), plugins: { sources: [counted] } })
  t.same(events, [], "nothing is built before the kind is used")
  await engine.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "counted", name: "c" })))
  t.same(events, ["built"])
  await engine.dispose()
  t.same(events, ["built", "released"], "the plugin's finalizer ran when the engine was disposed")
  await engine.dispose()
  t.same(events, ["built", "released"], "a second dispose does nothing more")

  // The stored source makes the next start build the plugin; a declared source of an unknown kind then fails the start.
  events.length = 0
  writeFileSync(join(dir, "flwd.yaml"), "sources:\n  - type: nope\n    name: x\n")
  const failed = await rejection(
    createEngine({ env: {}, config: join(dir, "flwd.yaml"), root: join(dir, "none"), dataDir: join(dir, "data"), plugins: { sources: [counted] } })
  )
  t.match(failed, { code: "config.invalid" })
  t.same(events, [], "the start failed before it built anything")
  const again = await createEngine({ env: {}, config: false, root: join(dir, "none"), dataDir: join(dir, "data"), plugins: { sources: [counted] } })
  t.same(events, ["built"], "restoring the stored source built the plugin")
  await again.dispose()
  t.same(events, ["built", "released"])
})
