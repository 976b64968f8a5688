/**
 * The OCI plugin's collection honours leases in the store: a rootfs or
 * blob that no source refers to is kept while any engine sharing the store
 * holds a lease on it (reported as kept, with the reason), and collected
 * once the lease is released or has expired. An add leases its image
 * before writing it and holds the leases while the source is served.
 * Real engines, a real SQLite store opened a second time as another engine
 * would, a real registry, and the real CLI.
 */
import t from "tap"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { Effect, Store } from "../../../../mod.ts"
import { openRuntime } from "../../../../engine/open-runtime.ts"
import * as SqliteStore from "../../../../plugins/stores/sqlite/mod.ts"
import { collectGarbage, type PluginGc } from "../../../../server/gc-sweep.ts"
import { inProcess } from "../../../cli/_flwd.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonImage, addonSpec, call, testPolicy } from "./_addon.ts"
import { pushImage } from "../../../helpers/oci-image.ts"
import type { Test } from "tap"

t.setTimeout(300_000)

/** The store of `dataDir` opened as another engine would: its own lease owner. */
async function otherEngineStore(t: Test, dataDir: string) {
  const opened = await openRuntime(SqliteStore.layer({ path: join(dataDir, "flwd.db") }))
  t.teardown(() => opened.dispose())
  const use = <A>(f: (s: Store["Type"]) => Effect.Effect<A, unknown>) => opened.run(Effect.flatMap(Store, f))
  return {
    hold: (keys: ReadonlyArray<string>, ttlMs = 60_000) => use((s) => s.holdLeases(keys, ttlMs)),
    release: (keys: ReadonlyArray<string>) => use((s) => s.releaseLeases(keys)),
    held: () => use((s) => s.heldLeases())
  }
}

/** An add-on added, then removed: its rootfs and blobs are left for a collection. */
async function leftOver(t: Test) {
  const registry = await startRegistry(t)
  const image = await addonImage()
  const digest = await pushImage(registry.url, "example/addon", "1.0.0", image)
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  await call(engine, (e) => e.removeSource("addon"))
  return { engine, dataDir, digest, image }
}

const oci = (plugins: ReadonlyArray<PluginGc>) => plugins.find((p) => p.plugin === "oci")!.report.details as Record<string, any>

t.test("gc keeps a rootfs and blobs another engine leases, says why, and collects them once released", async (t) => {
  const { engine, dataDir, digest, image } = await leftOver(t)
  const other = await otherEngineStore(t, dataDir)
  const keys = [`oci:rootfs:${digest}`, `oci:blob:${digest}`]
  await other.hold(keys)

  const kept = oci((await collectGarbage(engine)).plugins)
  t.same(kept.rootfs, [], "the leased rootfs is not removed")
  t.same(kept.blobs, [], "nor the leased manifest and what it names")
  t.ok(existsSync(join(dataDir, "addons", digest, "rootfs")))
  t.match(kept.leased, [{ item: `rootfs ${digest}`, reason: /^leased \(oci:rootfs:sha256:[a-f0-9]{64}\): an engine sharing the store/ }])
  const keptBlobs = (kept.leased as Array<{ item: string }>).filter((l) => l.item.startsWith("blob ")).map((l) => l.item.slice(5)).sort()
  t.same(keptBlobs, [digest, image.config.digest, ...image.layers.map((l) => l.digest)].sort(), "the manifest, its config and layers are kept")
  t.match(kept.summary, /; kept \d+ leased$/)

  await other.release(keys)
  const collected = oci((await collectGarbage(engine)).plugins)
  t.same(collected.rootfs, [digest], "released, the rootfs is collected")
  t.same(collected.leased, [])
  t.notOk(existsSync(join(dataDir, "addons", digest)))
})

t.test("an expired lease no longer protects", async (t) => {
  const { engine, dataDir, digest } = await leftOver(t)
  const other = await otherEngineStore(t, dataDir)
  const key = `oci:rootfs:${digest}`
  // An engine that died: it leased, then never renewed. Long enough to outlive a dry run, short enough not to be waited out for long.
  await other.hold([key], 3_000)
  const live = oci((await collectGarbage(engine, { dryRun: true })).plugins)
  // Judged only if the lease outlived the collection (a machine may be slow enough that it did not).
  if ((await other.held()).includes(key)) t.same(live.rootfs, [], "while the lease lasts, the rootfs is kept")
  const deadline = Date.now() + 120_000
  while ((await other.held()).includes(key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
  t.notOk((await other.held()).includes(key), "the store no longer counts the lease")
  const collected = oci((await collectGarbage(engine)).plugins)
  t.same(collected.rootfs, [digest], "expired, it protects nothing")
  t.same(collected.leased, [])
})

t.test("flwd :gc --json reports what a lease kept as skipped, with the reason", async (t) => {
  const { engine, dataDir, digest } = await leftOver(t)
  await engine.dispose()
  const other = await otherEngineStore(t, dataDir)
  await other.hold([`oci:rootfs:${digest}`])
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }
  const result = await inProcess(["--data-dir", dataDir, ":gc", "--json"], dataDir, env)
  t.equal(result.code, 0, result.stderr)
  const doc = JSON.parse(result.stdout) as Record<string, any>
  t.same(doc.rootfs, [])
  t.match(doc.leased, [{ item: `rootfs ${digest}`, reason: /^leased \(oci:rootfs:/ }])
  t.ok(existsSync(join(dataDir, "addons", digest, "rootfs")))
})

t.test("an add leases its image before writing it and holds the leases while the source is served", async (t) => {
  const registry = await startRegistry(t)
  const image = await addonImage()
  const digest = await pushImage(registry.url, "example/addon", "1.0.0", image)
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  const other = await otherEngineStore(t, dataDir)
  t.same(await other.held(), [])
  await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  const held = await other.held()
  for (const key of [`oci:rootfs:${digest}`, `oci:blob:${digest}`, `oci:blob:${image.config.digest}`, ...image.layers.map((l) => `oci:blob:${l.digest}`)]) {
    t.ok(held.includes(key), `${key} is leased while the source is served`)
  }
  await call(engine, (e) => e.removeSource("addon"))
  t.same(await other.held(), [], "removing the source lets every lease go")
})
