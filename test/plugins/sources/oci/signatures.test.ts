/**
 * Signature verification of add-on sources through the engine, against a
 * real docker-registry: images signed independently (test/helpers/cosign.ts)
 * and by flwd's own signer, under each signature mode, with the decisions
 * journaled and the outcome in provenance, plans and runs.
 */
import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { EngineHandle, Policy } from "../../../../mod.ts"
import { signImage } from "../../../../plugins/addon/mod.ts"
import { cosignSign, pushSignatures, signBytes, simpleSigningPayload } from "../../../helpers/cosign.ts"
import { exampleTree, rejection, startEngine } from "../../../helpers/engine.ts"
import { pushIndex } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonImage, addonSpec, blobGets, call, manifestYaml, pushAddon } from "./_addon.ts"
import { startProxy } from "./_proxy.ts"

const newKey = () => {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" })
  return { ...pair, pem: pair.publicKey.export({ type: "spki", format: "pem" }).toString() }
}
const release = newKey()
const stranger = newKey()

const keyPolicy = (host: string, extra: Policy = {}): Policy => ({
  allowed_registries: [host],
  trust: { keys: [{ name: "release", pem: release.pem }] },
  ...extra
})

const decisions = async (engine: EngineHandle) =>
  (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "policy.decision").map((ev) => ev.data as Record<string, unknown>)

const plan = (engine: EngineHandle) => call(engine, (e) => e.plan({ job: "addon/hello-world", args: { name: "Alice" } }))

const sigRequests = async (registry: { requests: () => Promise<ReadonlyArray<{ path: string }>> }) =>
  (await registry.requests()).filter((r) => r.path.includes(".sig") || r.path.includes("/referrers/")).length

t.test("an unsigned image: required fails naming the paths tried, permissive warns in every plan and run, disabled checks nothing", async (t) => {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  const tag = digest.replace(":", "-")

  const required = await addonEngine(t, keyPolicy(registry.host, { profile: "secure" }))
  const e = await rejection(call(required.engine, (x) => x.addSource(addonSpec(registry.host))))
  t.match(e, {
    code: "image.signature.required",
    status: 422,
    detail:
      `Source addon: ${registry.host}/example/addon@${digest}: no signature found: tried cosign tag ${tag}.sig (not found), referrers API (unsupported), referrers tag ${tag} (not found)`,
    errors: [{ path: "ref", message: /^no signature was found \(looked for a cosign signature tag/ }]
  })
  t.match((await decisions(required.engine)).at(-1), {
    decision: "deny",
    code: "image.signature.required",
    profile: "secure",
    subject: `${registry.host}/example/addon:1.0.0@${digest}`,
    reason: /^no signature found: tried cosign tag/
  })
  t.equal(await blobGets(registry), 0, "nothing was downloaded")

  const permissive = await addonEngine(t, keyPolicy(registry.host, { profile: "permissive" }))
  const added = await call(permissive.engine, (x) => x.addSource(addonSpec(registry.host)))
  const trust = { mode: "permissive", verified: false, signer: null, reason: /^no signature found/, discovery: [{ path: "cosign-tag", tried: true, found: 0 }] }
  t.match(added.source.provenance, { image_trust: trust })
  t.match((await decisions(permissive.engine)).at(-1), {
    decision: "warn",
    code: "image.signature.unverified",
    profile: "permissive",
    reason: /admitted unverified/
  })
  const planned = await plan(permissive.engine)
  t.match(planned.provenance, { image_trust: trust })
  t.match(planned.warnings, [/^image .*example\/addon.* is not verified \(no signature found.*\); admitted under verify_signatures: permissive$/])
  const run = await call(permissive.engine, (x) => x.run({ job: "addon/hello-world", args: { name: "Alice" } }))
  t.match(run.plan, { warnings: planned.warnings, provenance: { image_trust: trust } })
  await call(permissive.engine, (x) => x.awaitIdle)

  const before = await sigRequests(registry)
  const disabled = await addonEngine(t, keyPolicy(registry.host, { profile: "disabled" }))
  const unchecked = await call(disabled.engine, (x) => x.addSource(addonSpec(registry.host)))
  t.same(unchecked.source.provenance.image_trust, { mode: "disabled", verified: false, signer: null, reason: "verification disabled" })
  t.match((await decisions(disabled.engine)).at(-1), {
    decision: "allow",
    code: "image.signature.skipped",
    reason: "verification disabled",
    profile: "disabled"
  })
  t.same((await plan(disabled.engine)).warnings, [])
  t.equal(await sigRequests(registry), before, "no signature was looked for")
})

t.test("a key-signed image is admitted under secure with the key in the policy file, relative to it", async (t) => {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  await cosignSign(registry.url, "example/addon", digest, release.privateKey, `${registry.host}/example/addon`)
  const tree = exampleTree(t)
  mkdirSync(join(tree.dir, "policy", "keys"), { recursive: true })
  writeFileSync(join(tree.dir, "policy", "keys", "release.pub"), release.pem)
  const file = join(tree.dir, "policy", "flwd.policy.yaml")
  writeFileSync(
    file,
    [
      "profile: secure",
      `allowed_registries: ["${registry.host.toUpperCase()}"]`,
      "trust:",
      "  keys:",
      "    - { name: release, path: keys/release.pub }",
      ""
    ].join("\n")
  )
  const engine = await startEngine(t, { root: tree.root, dataDir: tree.dataDir, policyFile: file })
  t.equal(engine.settings.policyDir, join(tree.dir, "policy"))
  const added = await call(engine, (x) => x.addSource(addonSpec(registry.host)))
  const trust = { mode: "required", verified: true, signer: "key:release", reason: /^signed by key:release/ }
  t.match(added.source.provenance, { digest, image_trust: trust })
  t.match(await decisions(engine), [
    { decision: "allow", code: "image.registry.allowed", subject: registry.host, profile: "secure" },
    {
      decision: "allow",
      code: "image.signature.verified",
      subject: `${registry.host}/example/addon:1.0.0@${digest}`,
      reason: /^signed by key:release/,
      profile: "secure"
    }
  ])
  const planned = await plan(engine)
  t.match(planned.provenance, { image_trust: trust })
  t.same(planned.warnings, [])
})

t.test("an image signed by flwd's own signer is admitted; a multi-platform image is verified by its index digest", async (t) => {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  await signImage({ ref: `${registry.host}/example/addon@${digest}`, key: release.privateKey, registry: { dockerConfig: false } })
  const { engine } = await addonEngine(t, keyPolicy(registry.host))
  const added = await call(engine, (x) => x.addSource(addonSpec(registry.host)))
  t.match(added.source.provenance, { image_trust: { verified: true, signer: "key:release" } })

  const amd64 = await addonImage({ platform: { os: "linux", architecture: "amd64" } })
  const arm64 = await addonImage({ platform: { os: "linux", architecture: "arm64" } })
  const index = await pushIndex(registry.url, "example/multi", "1.0.0", [amd64, arm64])
  await signImage({ ref: `${registry.host}/example/multi@${index}`, key: release.privateKey, registry: { dockerConfig: false } })
  const multi = await call(
    engine,
    (x) => x.addSource(addonSpec(registry.host, { name: "multi", ref: `${registry.host}/example/multi:1.0.0`, platform: "linux/arm64" }))
  )
  t.match(multi.source.provenance, { digest: arm64.manifest.digest, resolved_digest: index, image_trust: { verified: true, signer: "key:release" } })
})

t.test("a signature by an untrusted key and a trusted signature of another digest are refused with their reasons", async (t) => {
  const registry = await startRegistry(t)
  const { engine } = await addonEngine(t, keyPolicy(registry.host))

  const untrusted = await pushAddon(registry.url, "example/untrusted", "1.0.0")
  await cosignSign(registry.url, "example/untrusted", untrusted, stranger.privateKey)
  const e1 = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { name: "untrusted", ref: `${registry.host}/example/untrusted:1.0.0` }))))
  t.match(e1, {
    code: "image.signature.required",
    detail: /no signature from a trusted key or identity/,
    errors: [{ message: /^signatures were found, but none from a key or identity/ }]
  })

  const image = await pushAddon(registry.url, "example/moved", "1.0.0")
  const other = await pushAddon(registry.url, "example/moved", "0.9.0", { greeting: "Old" })
  const payload = simpleSigningPayload("example/moved", other)
  await pushSignatures(registry.url, "example/moved", image, [{ payload, signature: signBytes(payload, release.privateKey) }])
  const e2 = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { name: "moved", ref: `${registry.host}/example/moved:1.0.0` }))))
  t.match(e2, {
    code: "image.signature.required",
    detail: /the signed digest is not the image's/,
    errors: [{ message: "a trusted signer signed another digest than the image's" }]
  })

  const denied = (await decisions(engine)).filter((d) => d.decision === "deny")
  t.match(denied, [
    { code: "image.signature.required", reason: /^no signature from a trusted key or identity/ },
    { code: "image.signature.required", reason: /^the signed digest is not the image's/ }
  ])
  t.same((await call(engine, (x) => x.sources())).filter((s) => s.type === "oci"), [], "nothing was added")
})

t.test("pull policy always: a tag moved to an unsigned image fails the plan and the old digest keeps serving", async (t) => {
  const registry = await startRegistry(t)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  await cosignSign(registry.url, "example/addon", v1, release.privateKey)
  const { engine } = await addonEngine(t, keyPolicy(registry.host))
  await call(engine, (x) => x.addSource(addonSpec(registry.host, { pull_policy: "always" })))
  const v2 = await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi", manifest: manifestYaml({ version: "1.0.1" }) })
  const e = await rejection(plan(engine))
  t.match(e, { code: "image.signature.required", detail: new RegExp(`example/addon@${v2}: no signature found`) })
  t.match(await call(engine, (x) => x.source("addon")), { status: "ready", provenance: { digest: v1, image_trust: { verified: true } } })
  t.match((await decisions(engine)).at(-1), { decision: "deny", subject: `${registry.host}/example/addon:1.0.0@${v2}` })

  await cosignSign(registry.url, "example/addon", v2, release.privateKey)
  const signed = await plan(engine)
  t.match(signed.provenance, { digest: v2, image_trust: { verified: true, signer: "key:release" } })
})

t.test("on-startup: a moved tag that fails verification keeps the pin; on-add restarts reuse the recorded outcome offline", async (t) => {
  const registry = await startRegistry(t)
  const proxy = await startProxy(t, registry.host)
  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  await cosignSign(registry.url, "example/addon", v1, release.privateKey)
  const first = await addonEngine(t, keyPolicy(proxy.host))
  await call(first.engine, (x) => x.addSource(addonSpec(proxy.host, { pull_policy: "on-startup" })))
  await call(first.engine, (x) => x.addSource(addonSpec(proxy.host, { name: "pinned", pull_policy: "on-add" })))
  await first.engine.dispose()

  await pushAddon(registry.url, "example/addon", "1.0.0", { greeting: "Hi" })
  const moved = await addonEngine(t, keyPolicy(proxy.host), first.dataDir)
  t.match(await call(moved.engine, (x) => x.source("addon")), {
    status: "ready",
    provenance: { digest: v1, image_trust: { verified: true } },
    diagnostics: [{ level: "warning", code: "source.stale", message: /no signature found/ }]
  })
  await call(moved.engine, (x) => x.removeSource("addon"))
  await moved.engine.dispose()

  await proxy.close()
  const offline = await addonEngine(t, keyPolicy(proxy.host), first.dataDir)
  t.match(await call(offline.engine, (x) => x.source("pinned")), {
    status: "ready",
    provenance: { digest: v1, image_trust: { verified: true, signer: "key:release" } }
  })
  t.match((await decisions(offline.engine)).filter((d) => d.code === "image.signature.verified").at(-1), { reason: /\(as verified at / })

  // Another key set is another policy: the recorded outcome does not stand in for it.
  await offline.engine.dispose()
  const rekeyed = await addonEngine(t, { ...keyPolicy(proxy.host), trust: { keys: [{ name: "other", pem: stranger.pem }] } }, first.dataDir)
  t.match(await call(rekeyed.engine, (x) => x.source("pinned")), { status: "failed", error: { code: "image.signature.required" } })
})
