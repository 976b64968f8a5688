import t from "tap"
import type { RunningRegistry } from "../../../helpers/registry.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonSpec, call, manifestYaml, pushAddon, testPolicy } from "./_addon.ts"
import { startProxy } from "./_proxy.ts"

/** Requests the registry serves from now on (the `/v2/` pings left out). */
async function watch(registry: RunningRegistry) {
  const before = (await registry.requests()).length
  return async () => (await registry.requests()).slice(before).filter((r) => r.path !== "/v2/")
}

const blobGets = (rs: ReadonlyArray<{ method: string; path: string }>) => rs.filter((r) => r.method === "GET" && r.path.includes("/blobs/")).length

/** The image a plan of addon/hello-world would run: the digest naming the sandbox's rootfs. */
const planDigest = async (engine: Parameters<typeof call>[0]) => {
  const plan = await call(engine, (e) => e.plan({ job: "addon/hello-world", args: { name: "Alice" } }))
  return /\/addons\/(sha256:[a-f0-9]{64})\/rootfs$/.exec(String(plan.executor.details.rootfs))?.[1]
}

t.test("pull policy on-add: the digest is pinned; a restart serves it without the network", async (t) => {
  const registry = await startRegistry(t)
  const proxy = await startProxy(t, registry.host)
  const policy = testPolicy(proxy.host)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const first = await addonEngine(t, policy)
  await call(first.engine, (e) => e.addSource(addonSpec(proxy.host)))
  const v2 = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi" })
  const seen = await watch(registry)
  t.equal(await planDigest(first.engine), v1, "the moved tag is not looked at")
  t.same(await seen(), [], "planning asks nothing of the registry")

  await first.engine.dispose()
  await proxy.close()
  const second = await addonEngine(t, policy, first.dataDir)
  t.match(await call(second.engine, (e) => e.source("addon")), { status: "ready", job_count: 1, provenance: { digest: v1 } })
  t.equal(await planDigest(second.engine), v1, "restored from the cache with the registry unreachable")
  t.same(await seen(), [], "the restart asked nothing either")
  await second.engine.dispose()

  // :sources refresh is how an on-add source moves on.
  const proxy2 = await startProxy(t, registry.host)
  const third = await addonEngine(t, testPolicy(proxy2.host))
  await call(third.engine, (e) => e.addSource(addonSpec(proxy2.host)))
  const refreshed = await call(third.engine, (e) => e.refreshSource("addon"))
  t.equal(refreshed.provenance.digest, v2)
})

t.test("pull policy always: one HEAD per plan; a moved tag is pulled and swapped in", async (t) => {
  const registry = await startRegistry(t)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (e) => e.addSource(addonSpec(registry.host, { pull_policy: "always" })))
  let seen = await watch(registry)
  t.equal(await planDigest(engine), v1)
  const unchanged = await seen()
  t.same(unchanged.map((r) => r.method), ["HEAD"], "an unchanged tag costs one HEAD")
  t.equal(blobGets(unchanged), 0)

  const v2 = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi", manifest: manifestYaml({ version: "1.0.1" }) })
  seen = await watch(registry)
  t.equal(await planDigest(engine), v2, "the next plan uses the new digest")
  t.equal(blobGets(await seen()), 2, "only the changed layer and config were fetched")
  t.match(await call(engine, (e) => e.source("addon")), { provenance: { digest: v2, addon: { version: "1.0.1" } } })
  const plan = await call(engine, (e) => e.plan({ job: "addon/hello-world", args: { name: "Alice" } }))
  t.match(plan.provenance, { digest: v2, addon: { version: "1.0.1" } })
})

t.test("pull policy: a digest-pinned ref never re-resolves", async (t) => {
  const registry = await startRegistry(t)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (e) => e.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/addon@${v1}`, pull_policy: "always" })))
  await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi" })
  const seen = await watch(registry)
  t.equal(await planDigest(engine), v1)
  await engine.dispose()
  const again = await addonEngine(t, testPolicy(registry.host), dataDir)
  t.equal(await planDigest(again.engine), v1)
  t.same(await seen(), [], "neither plans nor the restart asked the registry")
})

t.test("pull policy: semver picks the highest matching tag; always and on-startup re-evaluate it", async (t) => {
  const registry = await startRegistry(t)
  const push = (tag: string) => pushAddon(registry.url, "example/addon", tag, { manifest: manifestYaml({ version: tag }), greeting: `v${tag}` })
  await push("1.0.0")
  const v12 = await push("1.2.0")
  await push("2.0.0")
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  const added = await call(
    engine,
    (e) => e.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/addon`, semver: ">=1 <2", pull_policy: "always" }))
  )
  t.match(added.source.provenance, { digest: v12, tag: "1.2.0", semver: ">=1 <2", addon: { version: "1.2.0" } })
  const v13 = await push("1.3.0")
  t.equal(await planDigest(engine), v13, "always re-evaluates the range")
  await engine.dispose()

  const startup = await addonEngine(t, testPolicy(registry.host), dataDir)
  await call(startup.engine, (e) => e.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/addon`, semver: "1.x", pull_policy: "on-startup" })))
  const v14 = await push("1.4.0")
  t.equal(await planDigest(startup.engine), v13, "on-startup does not look before a restart")
  await startup.engine.dispose()
  const restarted = await addonEngine(t, testPolicy(registry.host), dataDir)
  t.match(await call(restarted.engine, (e) => e.source("addon")), { provenance: { digest: v14, tag: "1.4.0" } })
})

t.test("pull policy on-startup: re-resolved at start; unchanged costs no download; unreachable keeps the pin", async (t) => {
  const registry = await startRegistry(t)
  const proxy = await startProxy(t, registry.host)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const first = await addonEngine(t, testPolicy(proxy.host))
  await call(first.engine, (e) => e.addSource(addonSpec(proxy.host, { pull_policy: "on-startup" })))
  await first.engine.dispose()

  let seen = await watch(registry)
  const same = await addonEngine(t, testPolicy(proxy.host), first.dataDir)
  t.match(await call(same.engine, (e) => e.source("addon")), { status: "ready", provenance: { digest: v1, resolved_at: String } })
  t.same((await seen()).map((r) => r.method), ["HEAD"], "an unchanged tag: one HEAD, nothing downloaded")
  await same.engine.dispose()

  const v2 = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi" })
  seen = await watch(registry)
  const moved = await addonEngine(t, testPolicy(proxy.host), first.dataDir)
  t.equal(await planDigest(moved.engine), v2)
  t.equal(blobGets(await seen()), 2)
  await moved.engine.dispose()

  await proxy.close()
  const offline = await addonEngine(t, testPolicy(proxy.host), first.dataDir)
  const record = await call(offline.engine, (e) => e.source("addon"))
  t.match(record, { status: "ready", provenance: { digest: v2 }, diagnostics: [{ level: "warning", code: "source.stale", message: /could not re-resolve/ }] })
  t.equal(await planDigest(offline.engine), v2)
})

t.test("pull policy on-run: a restart re-resolves lazily, at the first plan", async (t) => {
  const registry = await startRegistry(t)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const first = await addonEngine(t, testPolicy(registry.host))
  await call(first.engine, (e) => e.addSource(addonSpec(registry.host, { pull_policy: "on-run" })))
  const v2 = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi" })
  t.equal(await planDigest(first.engine), v1, "no re-resolve within the process that added it")
  await first.engine.dispose()

  let seen = await watch(registry)
  const second = await addonEngine(t, testPolicy(registry.host), first.dataDir)
  t.match(await call(second.engine, (e) => e.source("addon")), { provenance: { digest: v1, resolution: "pending" } })
  t.same(await seen(), [], "the start asked nothing")
  t.equal(await planDigest(second.engine), v2, "the first plan resolved the tag")
  seen = await watch(registry)
  t.equal(await planDigest(second.engine), v2)
  t.same(await seen(), [], "and only the first")
  t.notOk("resolution" in (await call(second.engine, (e) => e.source("addon"))).provenance)
})

t.test("a re-resolve that finds the same digest downloads nothing", async (t) => {
  const registry = await startRegistry(t)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  const seen = await watch(registry)
  const pulls = async () => (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "source.pulled").length
  const before = await pulls()
  const refreshed = await call(engine, (e) => e.refreshSource("addon"))
  t.match(refreshed.provenance, { digest: v1, sizes: { downloaded: 0 } })
  const again = await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  t.equal(again.created, false)
  t.equal(blobGets(await seen()), 0)
  t.equal(await pulls(), before, "no progress events for a load that fetched and unpacked nothing")
})
