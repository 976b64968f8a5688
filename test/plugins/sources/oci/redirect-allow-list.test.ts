/**
 * Redirects must not lead past the allow-list (issue 12, item 4): an allowed
 * registry that answers with a 307 to an unlisted one gets nothing of the
 * unlisted one installed, except blobs sent to a host the policy admits.
 * Two real registries on loopback; a proxy in front of the allowed one
 * sends its redirects.
 */
import t, { type Test } from "tap"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { Effect, type EngineHandle, type Policy } from "../../../../mod.ts"
import { secureProfile } from "../../../../plugins/profiles/mod.ts"
import { checkImage } from "../../../../plugins/sources/oci/mod.ts"
import { rejection, tempDir } from "../../../helpers/engine.ts"
import { type RunningRegistry, startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonSpec, call, pushAddon, testPolicy } from "./_addon.ts"
import { redirectTo, startFaultProxy } from "./_fault-proxy.ts"

const decisions = async (engine: EngineHandle) =>
  (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "policy.decision").map((ev) => ev.data as Record<string, unknown>)

const ociSources = async (engine: EngineHandle) => (await call(engine, (e) => e.sources())).filter((s) => s.type === "oci")

/** What `registry` was asked after the first `skip` logged requests (the pushes), the readiness probe aside. */
const askedSince = (registry: RunningRegistry, skip: number) => async () => (await registry.requests()).slice(skip).filter((r) => r.path !== "/v2/")

/** The same add-on on both registries, and a proxy in front of the allowed one redirecting `matches` to the unlisted one. */
async function setup(t: Test, matches: (path: string) => boolean) {
  const allowed = await startRegistry(t)
  const unlisted = await startRegistry(t)
  await pushAddon(allowed.url, "example/addon", "1.0.0")
  await pushAddon(unlisted.url, "example/addon", "1.0.0")
  const proxy = await startFaultProxy(t, allowed.host, redirectTo(unlisted.host, matches))
  return { allowed, unlisted, proxy, asked: askedSince(unlisted, (await unlisted.requests()).length) }
}

const manifests = (path: string) => path.includes("/manifests/")
const blobs = (path: string) => /\/blobs\/sha256:/.test(path)

t.test("a manifest redirect to an unlisted registry fails with image.registry.not.allowed naming the target", async (t) => {
  const { unlisted, proxy, asked } = await setup(t, manifests)
  const { engine, dataDir } = await addonEngine(t, testPolicy(proxy.host))
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(proxy.host))))
  t.match(e, { code: "image.registry.not.allowed", status: 403, detail: new RegExp(unlisted.host.replace(/\./g, "\\.")) })
  t.match(e.errors, [{ path: "ref", message: new RegExp(unlisted.host.replace(/\./g, "\\.")) }])
  t.same(await ociSources(engine), [], "nothing was added")
  t.notOk(existsSync(join(dataDir, "addons")) && readdirSync(join(dataDir, "addons")).some((d) => d.startsWith("sha256:")), "nothing was unpacked")
  t.same(await asked(), [], "the unlisted registry was never asked")
  t.match((await decisions(engine)).filter((d) => d.subject === unlisted.host), [{ decision: "deny", code: "image.registry.not.allowed", reason: /manifest/ }])
})

t.test("a blob redirect to an unadmitted host fails with image.registry.not.allowed", async (t) => {
  const { unlisted, proxy, asked } = await setup(t, blobs)
  const { engine } = await addonEngine(t, testPolicy(proxy.host))
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(proxy.host))))
  t.match(e, { code: "image.registry.not.allowed", status: 403, detail: new RegExp(unlisted.host.replace(/\./g, "\\.")) })
  t.same(await ociSources(engine), [], "nothing was added")
  t.same(await asked(), [], "the unlisted registry was never asked")
  t.match((await decisions(engine)).filter((d) => d.subject === unlisted.host), [{ decision: "deny", code: "image.registry.not.allowed", reason: /blob/ }])
})

t.test("a blob redirect to a host in blob_hosts or an admitted registry is followed and journaled", async (t) => {
  const { unlisted, proxy, asked } = await setup(t, blobs)
  const policies: ReadonlyArray<[string, Policy]> = [
    ["blob_hosts", { ...testPolicy(proxy.host), blob_hosts: [unlisted.host] }],
    ["allowed_registries", testPolicy(proxy.host, unlisted.host)]
  ]
  for (const [label, policy] of policies) {
    const { engine } = await addonEngine(t, policy)
    const added = await call(engine, (x) => x.addSource(addonSpec(proxy.host)))
    t.match(added, { created: true, source: { status: "ready", job_count: 1 } }, label)
    t.match(
      (await decisions(engine)).filter((d) => d.subject === unlisted.host),
      [{ decision: "allow", reason: /blob/ }],
      `${label}: the allow is journaled once`
    )
  }
  t.ok((await asked()).some((r) => r.method === "GET" && r.path.includes("/blobs/")), "the blobs came from the redirect target")
})

t.test("under a profile that admits every registry, a manifest redirect is followed and journaled", async (t) => {
  const { unlisted, proxy, asked } = await setup(t, manifests)
  const { engine } = await addonEngine(t, { profile: "disabled", allowed_registries: [proxy.host] })
  const added = await call(engine, (x) => x.addSource(addonSpec(proxy.host)))
  t.match(added, { created: true, source: { status: "ready" } })
  t.match((await decisions(engine)).filter((d) => d.subject === unlisted.host), [{
    decision: "allow",
    code: "image.redirect.allowed",
    reason: /admits every registry/
  }])
  t.ok((await asked()).some((r) => r.path.includes("/manifests/")), "the manifest came from the redirect target")
})

t.test("signature discovery holds to the same rule", async (t) => {
  const { unlisted, proxy, asked } = await setup(t, (path) => path.includes("/manifests/sha256-") && path.endsWith(".sig"))
  const { engine } = await addonEngine(t, { profile: "secure", allowed_registries: [proxy.host] })
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(proxy.host))))
  t.match(e, { code: "image.registry.not.allowed", status: 403, detail: new RegExp(unlisted.host.replace(/\./g, "\\.")) })
  t.same(await asked(), [], "the unlisted registry was never asked")
  t.match((await decisions(engine)).filter((d) => d.subject === unlisted.host), [{ decision: "deny", code: "image.registry.not.allowed" }])
})

t.test("checkImage() reports a refused redirect as adding would", async (t) => {
  const { unlisted, proxy, asked } = await setup(t, manifests)
  const check = await Effect.runPromise(checkImage({
    ref: `${proxy.host}/example/addon:1.0.0`,
    profile: secureProfile,
    policy: testPolicy(proxy.host),
    policyDir: ".",
    dataDir: tempDir(t),
    registry: { dockerConfig: false }
  }))
  t.match(check, { admitted: false, problem: { code: "image.registry.not.allowed", detail: new RegExp(unlisted.host.replace(/\./g, "\\.")) } })
  t.match(check.decisions.filter((d) => d.subject === unlisted.host), [{ decision: "deny", code: "image.registry.not.allowed" }])
  t.same(await asked(), [], "the unlisted registry was never asked")
})
