import t from "tap"
import { existsSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { collectReferences, gcAddons } from "../../../../plugins/sources/oci/mod.ts"
import { rejection } from "../../../helpers/engine.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonImage, addonSpec, call, pushAddon, testPolicy } from "./_addon.ts"
import { pushImage } from "../../../helpers/oci-image.ts"
import { startProxy } from "./_proxy.ts"

t.test("gcAddons() keeps what sources refer to and removes the rest", async (t) => {
  const registry = await startRegistry(t)
  const kept = await pushAddon(registry.url, "example/addon", "1.0.0")
  const dropped = await pushAddon(registry.url, "example/addon", "2.0.0", { greeting: "Bye" })
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  await call(engine, (e) => e.addSource(addonSpec(registry.host, { name: "old", ref: `${registry.host}/example/addon:2.0.0` })))
  await call(engine, (e) => e.removeSource("old"))
  const refs = await Effect.runPromise(collectReferences(dataDir, await call(engine, (e) => e.sources())))
  t.same([...refs], [kept])
  const result = await Effect.runPromise(gcAddons(dataDir, refs))
  t.same(result.rootfs, [dropped])
  t.same(result.pins, ["old"])
  t.notOk(existsSync(join(dataDir, "addons", dropped)))
  t.ok(existsSync(join(dataDir, "addons", kept, "rootfs")))
  // Everything the kept image needs is still cached: re-adding it downloads nothing.
  const again = await call(engine, (e) => e.addSource(addonSpec(registry.host, { name: "again" })))
  t.match(again.source.provenance, { digest: kept, sizes: { downloaded: 0 } })
})

t.test("gcAddons() removes nothing while a pull is in progress", async (t) => {
  const registry = await startRegistry(t)
  const image = await addonImage()
  await pushImage(registry.url, "example/addon", "1.0.0", image)
  const proxy = await startProxy(t, registry.host, { hold: (method, path) => method === "GET" && path.endsWith(`/blobs/${image.layers[1].digest}`) })
  const { engine, dataDir } = await addonEngine(t, testPolicy(proxy.host))
  const adding = rejection(call(engine, (e) => e.addSource(addonSpec(proxy.host))))
  await proxy.held
  const result = await Effect.runPromise(gcAddons(dataDir, []))
  t.match(result, { skipped: new RegExp(`a pull is in progress \\(process ${process.pid}\\)`), rootfs: [], blobs: [] })
  await proxy.close()
  t.match(await adding, { code: "E_OCI" })
  const after = await Effect.runPromise(gcAddons(dataDir, []))
  t.equal(after.skipped, null, "the pull's marker went with it")
  t.ok(after.blobs.length > 0)
})
