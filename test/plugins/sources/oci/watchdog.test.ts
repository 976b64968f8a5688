/**
 * The engine's no-progress watchdog sees an add-on pull as it is: a blob
 * that stops half way is a plugin that went quiet, abandoned with
 * `source.plugin.failed` after the plugin timeout, not kept alive by a
 * timer until the much later `pull_timeout`. A real registry behind a proxy
 * that stalls one layer on purpose.
 */
import t from "tap"
import { randomBytes } from "node:crypto"
import { exampleTree, rejection, startEngine } from "../../../helpers/engine.ts"
import { layerBlob, pushImage, tarLayer } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonImage, addonSpec, call, testPolicy } from "./_addon.ts"
import { startFaultProxy } from "./_fault-proxy.ts"

t.test("a registry that stalls mid-blob fails the add with source.plugin.failed after the plugin timeout", async (t) => {
  const registry = await startRegistry(t)
  const big = layerBlob(await tarLayer([{ path: "data", content: randomBytes(1024 * 1024) }]), "none")
  await pushImage(registry.url, "example/addon", "1.0.0", await addonImage({ extraLayers: [big] }))
  const proxy = await startFaultProxy(t, registry.host, (req, res) => {
    if (req.method !== "GET" || !(req.url ?? "").endsWith(`/blobs/${big.digest}`)) return false
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(big.size) })
    res.write(big.bytes.subarray(0, big.size / 2))
    return true
  })
  const tree = exampleTree(t)
  // A heartbeat repeats its counters, which is not progress, so a few seconds tell a
  // stalled pull from a live one; pull_timeout is far longer.
  const engine = await startEngine(t, {
    root: tree.root,
    dataDir: tree.dataDir,
    policy: { ...testPolicy(proxy.host), pull_timeout: "60s" },
    pluginTimeoutMs: 5_000
  })
  let timer: NodeJS.Timeout | undefined
  // Not a timing assertion: without it a kept-alive pull would hold the test for two minutes.
  const guard = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the add was still waiting after 90 s")), 90_000)))
  try {
    const e = await rejection(Promise.race([call(engine, (x) => x.addSource(addonSpec(proxy.host))), guard]))
    t.match(e, { code: "source.plugin.failed", detail: /neither finished nor reported progress within 5s/ })
  } finally {
    clearTimeout(timer)
  }
  const sources = await call(engine, (x) => x.sources())
  t.notOk(sources.some((s) => s.name === "addon"), "the source was not added")
})
