/**
 * Unpacking is work the engine's no-progress watchdog must see: a layer of
 * many entries, downloaded at once but unpacked for far longer than the
 * plugin timeout, is added, not abandoned, and its unpack shows in the
 * `source.pulled` events as growing counts of entries and bytes written.
 */
import t from "tap"
import { exampleTree, startEngine } from "../../../helpers/engine.ts"
import { type EntrySpec, layerBlob, pushImage, tarLayer } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonImage, addonSpec, call, testPolicy } from "./_addon.ts"

/** Many small files: cheap to download, slow to unpack (one open, write and close each). */
function manyFiles(count: number): Array<EntrySpec> {
  const entries: Array<EntrySpec> = [{ path: "many/", type: "directory" }]
  for (let d = 0; d < count / 500; d++) {
    entries.push({ path: `many/d${d}/`, type: "directory" })
    for (let f = 0; f < 500; f++) entries.push({ path: `many/d${d}/f${f}`, content: "x" })
  }
  return entries
}

t.test("a long unpack after a finished download reports progress, so the plugin timeout does not abandon it", async (t) => {
  const registry = await startRegistry(t)
  const many = layerBlob(await tarLayer(manyFiles(60_000)), "gzip")
  await pushImage(registry.url, "example/addon", "1.0.0", await addonImage({ extraLayers: [many] }))
  const tree = exampleTree(t)
  // The unpack of 60,000 files takes several times this on any machine; the download a few milliseconds.
  const engine = await startEngine(t, { root: tree.root, dataDir: tree.dataDir, policy: testPolicy(registry.host), pluginTimeoutMs: 1_000 })
  const added = await call(engine, (x) => x.addSource(addonSpec(registry.host)))
  t.match(added, { source: { name: "addon" }, created: true })
  const pulled = (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "source.pulled").map((ev) => ev.data as Record<string, unknown>)
  const unpack = pulled.filter((d) => d.phase === "unpack")
  t.ok(unpack.length >= 2, "the unpack reported its progress more than once")
  const entries = unpack.map((d) => d.entries as number)
  // Running totals of the image, never reset per layer; a layer's closing report may repeat the last count.
  t.ok(entries.every((n, i) => i === 0 || n >= entries[i - 1]), "entries never go back from report to report")
  t.ok(new Set(entries).size >= 2, "entries grew while the layer unpacked")
  t.ok(entries.at(-1)! >= 60_000, "the last report counts every entry")
  t.ok(unpack.every((d) => typeof d.bytes === "number" && typeof d.index === "number"), "each report says the layer and the bytes written")
})
