/**
 * Leases through the plugin API: `PluginEnv.leases` holds keys in the
 * engine's store for as long as a Scope is open, counting holders within
 * one engine (two holders of a key do not end each other's lease), and a
 * collection on any engine sharing the store hands every gc hook the keys
 * leased. Real engines on one data directory and their real SQLite store.
 */
import t from "tap"
import { join } from "node:path"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { defineSourcePlugin, Effect, Engine, makeLeases, PluginEnv, sourceSpec, Store } from "../../mod.ts"
import { openRuntime } from "../../engine/open-runtime.ts"
import * as SqliteStore from "../../plugins/stores/sqlite/mod.ts"
import { sweepOnce } from "../../server/gc-sweep.ts"
import { startEngine, tempDir } from "../helpers/engine.ts"
import { jobsRoot } from "../server/_helpers.ts"

t.test("makeLeases() keeps a key leased until its last holder's scope closes", async (t) => {
  const store = await openRuntime(SqliteStore.layer({ path: join(tempDir(t), "flwd.db") }))
  t.teardown(() => store.dispose())
  const held = await store.run(Effect.gen(function* () {
    const s = yield* Store
    const engineScope = yield* Scope.make()
    const leases = yield* Scope.extend(makeLeases(s), engineScope)
    const first = yield* Scope.make()
    const second = yield* Scope.make()
    yield* Scope.extend(leases.hold(["oci:blob:shared", "oci:blob:a"]), first)
    yield* Scope.extend(leases.hold(["oci:blob:shared"]), second)
    const both = yield* leases.held()
    yield* Scope.close(first, Exit.void)
    const one = yield* leases.held()
    yield* Scope.close(second, Exit.void)
    const none = yield* leases.held()
    yield* Scope.close(engineScope, Exit.void)
    return { both, one, none }
  }))
  t.same([...held.both].sort(), ["oci:blob:a", "oci:blob:shared"])
  t.same(held.one, ["oci:blob:shared"], "the second holder still holds the shared key")
  t.same(held.none, [])
})

t.test("a collection hands gc hooks the keys any engine on the store leases through PluginEnv.leases", async (t) => {
  const seen: Array<ReadonlyArray<string>> = []
  let builds = 0
  // A kind that leases a key of its own for as long as its engine lives, and whose gc hook records the keys it is told are leased.
  const leasing = defineSourcePlugin({
    type: "leasing",
    spec: sourceSpec("leasing", {}),
    gc: (ctx) =>
      Effect.sync(() => {
        seen.push(ctx.leases.filter((k) => k.startsWith("leasing:")))
        return { removed: 0, bytes: 0 }
      }),
    make: Effect.gen(function* () {
      const { leases } = yield* PluginEnv
      if (leases !== undefined) yield* Effect.orDie(leases.hold([`leasing:${++builds}`]))
      return { load: () => Effect.succeed({ root: jobsRoot, jobs: [], diagnostics: [], provenance: {} }) }
    })
  })
  const dataDir = tempDir(t)
  const options = { root: jobsRoot, dataDir, config: false as const, plugins: { sources: [leasing] } }
  const a = await startEngine(t, options)
  const b = await startEngine(t, options)
  await sweepOnce(b)
  await a.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "leasing", name: "x" })))
  await sweepOnce(b)
  await a.dispose()
  await sweepOnce(b)
  t.same(seen[0], [], "nothing is leased before A builds the kind")
  t.ok(seen[1].includes("leasing:1"), "A's lease is handed to B's gc hooks")
  t.notOk(seen[2].includes("leasing:1"), "A let it go when it closed")
})
