/**
 * Failures and decisions in the journal (issue 12, item 9), over a real
 * engine and a real registry: every admission decision is a
 * `policy.decision` event and every failed source operation (add, refresh,
 * restore at start, re-resolve before use) a `source.failed` event naming
 * the source, its type, the operation and the problem code.
 */
import t from "tap"
import { rmSync } from "node:fs"
import { join } from "node:path"
import type { EngineHandle, RunEvent } from "../../../mod.ts"
import { rejection } from "../../helpers/engine.ts"
import { freePort, startRegistry } from "../../helpers/registry.ts"
import { addonEngine, addonSpec, call, manifestYaml, pushAddon, testPolicy } from "../../plugins/sources/oci/_addon.ts"
import { startProxy } from "../../plugins/sources/oci/_proxy.ts"

const journal = (engine: EngineHandle, after = 0): Promise<ReadonlyArray<RunEvent>> => call(engine, (e) => e.journal({ after }))
const ofType = (events: ReadonlyArray<RunEvent>, type: string) => events.filter((e) => e.type === type).map((e) => e.data)

// One registry for the file: each test pushes the image it needs, then adds it to an engine of its own.
const registry = await startRegistry(t)

t.test("an add with trusted:false is a deny decision and a failed add", async (t) => {
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  const error = await rejection(call(engine, (e) => e.addSource(addonSpec(registry.host, { trusted: false }))))
  t.match(error, { code: "source.trust.required" })
  const events = await journal(engine)
  t.match(ofType(events, "policy.decision"), [{
    decision: "deny",
    code: "source.trust.required",
    subject: `${registry.host}/example/addon:1.0.0`,
    profile: "secure",
    source: "addon",
    reason: /trusted/
  }])
  t.match(ofType(events, "source.failed"), [{ name: "addon", type: "oci", operation: "add", code: "source.trust.required", detail: /trusted/ }])
})

t.test("an add of an image with a broken add-on manifest fails with E_ADDON_MANIFEST, journaled", async (t) => {
  await pushAddon(registry.url, "example/addon", "1.0.0", { manifest: manifestYaml({ apiVersion: "flwd.addon/v0" }) })
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  t.match(await rejection(call(engine, (e) => e.addSource(addonSpec(registry.host)))), { code: "E_ADDON_MANIFEST" })
  const events = await journal(engine)
  t.match(ofType(events, "source.failed"), [{ name: "addon", type: "oci", operation: "add", code: "E_ADDON_MANIFEST", detail: /apiVersion/ }])
  t.match(ofType(events, "policy.decision").map((d) => d.decision), ["allow", "allow"], "admission allowed it before the manifest failed")
})

t.test("an add against a registry that is down fails with E_OCI, journaled", async (t) => {
  const host = `127.0.0.1:${await freePort()}`
  const { engine } = await addonEngine(t, testPolicy(host))
  t.match(await rejection(call(engine, (e) => e.addSource(addonSpec(host)))), { code: "E_OCI" })
  t.match(ofType(await journal(engine), "source.failed"), [{ name: "addon", type: "oci", operation: "add", code: "E_OCI", detail: new RegExp(host) }])
})

t.test("an allowed add journals its allow decisions: registry and signature", async (t) => {
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  const events = await journal(engine)
  t.match(ofType(events, "policy.decision"), [
    { decision: "allow", code: "image.registry.allowed", subject: registry.host, profile: "secure", source: "addon" },
    { decision: "allow", code: "image.signature.skipped", profile: "secure", source: "addon" }
  ])
  t.same(ofType(events, "source.failed"), [])
  t.match(ofType(events, "source.added"), [{ name: "addon", type: "oci" }])
})

t.test("a failed refresh, restore at start and re-resolve before use are journaled with their operation", async (t) => {
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const proxy = await startProxy(t, registry.host)
  const policy = testPolicy(proxy.host)
  const first = await addonEngine(t, policy)
  await call(first.engine, (e) => e.addSource(addonSpec(proxy.host, { pull_policy: "always" })))
  await proxy.close()

  let after = await call(first.engine, (e) => e.latestEventId)
  t.match(await rejection(call(first.engine, (e) => e.refreshSource("addon"))), { code: "E_OCI" })
  t.match(ofType(await journal(first.engine, after), "source.failed"), [{ name: "addon", type: "oci", operation: "refresh", code: "E_OCI" }])

  after = await call(first.engine, (e) => e.latestEventId)
  t.match(await rejection(call(first.engine, (e) => e.plan({ job: "addon/hello-world", args: { name: "Alice" } }))), { code: "E_OCI" })
  t.match(ofType(await journal(first.engine, after), "source.failed"), [{ name: "addon", type: "oci", operation: "beforeUse", code: "E_OCI" }])
  await first.engine.dispose()

  // The image is gone from the cache and the registry is unreachable: the restart cannot restore it.
  for (const d of ["addons", "blobs"]) rmSync(join(first.dataDir, d), { recursive: true, force: true })
  const second = await addonEngine(t, policy, first.dataDir)
  t.match(await call(second.engine, (e) => e.source("addon")), { status: "failed", error: { code: "E_OCI" } })
  t.match(ofType(await journal(second.engine), "source.failed").at(-1), { name: "addon", type: "oci", operation: "restore", code: "E_OCI" })
})
