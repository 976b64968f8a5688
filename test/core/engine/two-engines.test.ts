/**
 * Two engines in one process, on two data directories, share nothing a
 * plugin builds: each engine runs the plugin's `make` itself (with its own
 * data directory and policy), what one caches the other never sees, and
 * disposing one engine runs the finalizers of what its plugins acquired —
 * and only its own — while the other keeps working.
 */
import t from "tap"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { defineSourcePlugin, type EngineHandle, PluginEnv, Schema, sourceSpec } from "../../../mod.ts"
import { call, exampleTree, startEngine } from "../../helpers/engine.ts"

/** A source kind whose implementation holds a cache and a resource released with its engine. */
function probe() {
  const built: Array<string> = []
  const closed: Array<string> = []
  const plugin = defineSourcePlugin({
    type: "probe",
    spec: sourceSpec("probe", { key: Schema.String }),
    make: Effect.gen(function* () {
      const { dataDir } = yield* PluginEnv
      built.push(dataDir)
      // What a real plugin keeps per engine: clients, blob stores, a verifier.
      const cache = new Set<string>()
      yield* Effect.addFinalizer(() => Effect.sync(() => void closed.push(dataDir)))
      return {
        load: (spec: { readonly key: string }) =>
          Effect.sync(() => {
            const hit = cache.has(spec.key)
            cache.add(spec.key)
            return { root: dataDir, jobs: [], diagnostics: [], provenance: { dataDir, hit, cached: cache.size } }
          })
      }
    })
  })
  return { plugin, built, closed }
}

t.test("two engines build their own plugins, share no cache, and each releases only its own", async (t) => {
  const one = exampleTree(t)
  const two = exampleTree(t)
  const p = probe()
  const start = (tree: typeof one) =>
    startEngine(t, { root: tree.root, dataDir: tree.dataDir, allowedLocalRoots: [tree.dir], plugins: { sources: [p.plugin] } })
  const a = await start(one)
  const b = await start(two)
  const add = (engine: EngineHandle, name: string, key: string) =>
    call(engine, (e) => e.addSource({ type: "probe", name, key })).then((r) => r.source.provenance)

  t.same(p.built, [], "nothing built before a source of the kind is used")
  t.same(await add(a, "s", "k"), { dataDir: one.dataDir, hit: false, cached: 1 })
  t.same(await add(a, "t", "k"), { dataDir: one.dataDir, hit: true, cached: 1 }, "the engine's own cache")
  t.same(await add(b, "s", "k"), { dataDir: two.dataDir, hit: false, cached: 1 }, "the other engine's cache is its own")
  t.same(p.built, [one.dataDir, two.dataDir], "one build per engine, each with its data directory")

  // The built-in kinds too: each engine loads and runs from its own tree.
  const run = async (engine: EngineHandle) => {
    const r = await call(engine, (e) => e.run({ job: "hello-world", args: { name: "X" } }))
    await call(engine, (e) => e.awaitIdle)
    return call(engine, (e) => e.getRun(r.id))
  }
  t.match(await run(a), { status: "succeeded" })
  t.match(await run(b), { status: "succeeded" })

  await a.dispose()
  t.same(p.closed, [one.dataDir], "disposing one engine runs its plugins' finalizers, not the other's")
  t.same(await call(b, (e) => e.refreshSource("s")).then((r) => r.provenance), { dataDir: two.dataDir, hit: true, cached: 1 }, "the other keeps working")
  await b.dispose()
  t.same(p.closed, [one.dataDir, two.dataDir])
  t.ok(join(one.dataDir) !== join(two.dataDir))
})

t.test("oci and git: each engine pulls and checks out into its own data directory; disposing one leaves the other serving", async (t) => {
  const { startRegistry } = await import("../../helpers/registry.ts")
  const { blobGets, pushAddon, testPolicy } = await import("../../plugins/sources/oci/_addon.ts")
  const { job, makeRepo } = await import("../../plugins/sources/git/_git.ts")
  const { existsSync, readdirSync } = await import("node:fs")
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const repos = t.testdir()
  const repo = makeRepo(repos)
  const commit = repo.commit(Object.fromEntries(Object.entries(job("Greets", "hello from git")).map(([k, v]) => [`hello/${k}`, v])))
  const one = exampleTree(t)
  const two = exampleTree(t)
  const start = (tree: typeof one) =>
    startEngine(t, {
      root: tree.root,
      dataDir: tree.dataDir,
      allowedLocalRoots: [tree.dir],
      policy: { ...testPolicy(registry.host), git: { allowed_paths: [repos] } }
    })
  const a = await start(one)
  const b = await start(two)
  const addBoth = async (engine: EngineHandle) => {
    const oci = await call(engine, (e) => e.addSource({ type: "oci", name: "addon", ref: `${registry.host}/example/addon:1.0.0`, trusted: true }))
    const git = await call(engine, (e) => e.addSource({ type: "git", name: "team", url: repo.fileUrl, ref: "main" }))
    return [oci.source.status, git.source.status]
  }
  t.same(await addBoth(a), ["ready", "ready"])
  const pulledOnce = await blobGets(registry)
  t.ok(pulledOnce > 0, "the first engine downloads the layers")
  t.same(await addBoth(b), ["ready", "ready"])
  t.equal(await blobGets(registry), 2 * pulledOnce, "the second engine's blob store is its own: it downloads them again")
  for (const tree of [one, two]) {
    t.ok(readdirSync(join(tree.dataDir, "addons")).some((d) => d.startsWith("sha256:")), "each data directory has its rootfs")
    t.ok(existsSync(join(tree.dataDir, "git")), "and its own checkout")
  }

  await a.dispose()
  const refreshed = await call(b, (e) => e.refreshSource("team"))
  t.match(refreshed, { status: "ready", provenance: { commit } }, "the other engine keeps serving its git source")
  t.match(await call(b, (e) => e.refreshSource("addon")), { status: "ready" }, "and its add-on, through its own client and verifier")
})
