import t from "tap"
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { EngineHandle } from "../../../../mod.ts"
import { rejection } from "../../../helpers/engine.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { pushIndex } from "../../../helpers/oci-image.ts"
import { addonEngine, addonImage, addonSpec, blobGets, call, HELLO_CONFIG, helloRun, manifestYaml, pushAddon, testPolicy } from "./_addon.ts"

const decisions = async (engine: EngineHandle) =>
  (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "policy.decision").map((ev) => ev.data as Record<string, unknown>)

t.test("oci source: the seed add-on is pulled, its jobs exposed and planned with provenance", async (t) => {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  const change = await call(engine, (e) => e.addSource(addonSpec(registry.host)))
  t.equal(change.created, true)
  t.match(change.source, { name: "addon", type: "oci", status: "ready", job_count: 1, diagnostics: [] })
  const rootfs = join(dataDir, "addons", digest, "rootfs")
  t.match(change.source.provenance, {
    type: "oci",
    ref: `${registry.host}/example/addon:1.0.0`,
    digest,
    resolved_digest: digest,
    platform: /^linux\//,
    pull_policy: "on-add",
    pulled_at: String,
    sizes: { compressed: Number, downloaded: Number, unpacked: Number },
    addon: { id: "hello-tools", name: "Hello Tools", version: "1.0.0" },
    image_trust: { mode: "disabled", verified: false, signer: null, reason: "verification disabled" }
  })
  t.ok(existsSync(join(rootfs, "flwd-addon/manifest.yaml")))

  const view = await call(engine, (e) => e.job("addon/hello-world"))
  t.match(view.job, {
    id: "addon/hello-world",
    local_id: "hello-world",
    source: "addon",
    summary: "Greets someone",
    executor: "sandbox",
    rootfs,
    dir: join(rootfs, "flwd-addon/jobs/hello-world"),
    image_config: { Env: ["PATH=/usr/bin:/bin"] }
  })

  const plan = await call(engine, (e) => e.plan({ job: "addon/hello-world", args: { name: "Alice" } }))
  t.match(plan, {
    job_id: "addon/hello-world",
    source: "addon",
    args: { name: "Alice" },
    executor: { kind: "sandbox" },
    provenance: { source: "addon", type: "oci", ref: `${registry.host}/example/addon:1.0.0`, digest, addon: { name: "Hello Tools", version: "1.0.0" } }
  })
  t.match(await decisions(engine), [
    { decision: "allow", code: "image.registry.allowed", subject: registry.host },
    { decision: "allow", code: "image.signature.skipped", reason: "verification disabled" }
  ])
  const pulled = (await call(engine, (e) => e.journal({}))).filter((ev) => ev.type === "source.pulled").map((ev) => ev.data as Record<string, unknown>)
  t.match(pulled[0], { name: "addon", phase: "resolved", digest, layers: 2 })
  t.match(pulled.at(-1), { name: "addon", phase: "done", digest, reused: false })
  t.ok(pulled.some((d) => d.phase === "download" && d.done === true && typeof d.rate === "number"), "per-layer byte counts")
})

t.test("oci source: trusted must be true", async (t) => {
  const registry = await startRegistry(t)
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  for (const trusted of [undefined, false]) {
    const e = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { trusted }))))
    t.match(e, { code: "source.trust.required", status: 422, errors: [{ path: "trusted" }] })
  }
  t.equal((await registry.requests()).filter((r) => r.path !== "/v2/").length, 0, "nothing was asked of the registry")
})

t.test("oci source: the secure profile with an empty allowed_registries admits no registry", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine } = await addonEngine(t, { profile: "secure", verify_signatures: "disabled", allowed_registries: [] })
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host))))
  t.match(e, { code: "image.registry.not.allowed", status: 403, detail: new RegExp(`registry ${registry.host} is not in allowed_registries`) })
  t.match(await decisions(engine), [{ decision: "deny", code: "image.registry.not.allowed", subject: registry.host, profile: "secure" }])
  t.equal(await blobGets(registry), 0)
  t.same(await call(engine, (x) => x.sources()).then((s) => s.filter((r) => r.type === "oci")), [], "nothing was added")
})

t.test("oci source: an unsigned image fails under required signatures; permissive admits it with a warning", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const { engine } = await addonEngine(t, { allowed_registries: [registry.host] })
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host))))
  t.match(e, { code: "image.signature.required", status: 422, detail: /no signature found: tried cosign tag/ })
  t.match((await decisions(engine)).at(-1), { decision: "deny", code: "image.signature.required", reason: /^no signature found: tried cosign tag/ })
  t.equal(await blobGets(registry), 0, "nothing was downloaded")

  const permissive = await addonEngine(t, { profile: "permissive", allowed_registries: [registry.host] })
  const added = await call(permissive.engine, (x) => x.addSource(addonSpec(registry.host)))
  t.match(added.source.provenance, { image_trust: { mode: "permissive", verified: false, signer: null, reason: /^no signature found/ } })
  t.match((await decisions(permissive.engine)).at(-1), { decision: "warn", code: "image.signature.unverified" })
})

t.test("oci source: bad add-on images are E_ADDON_MANIFEST with field paths", async (t) => {
  const registry = await startRegistry(t)
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  const cases: ReadonlyArray<[string, Parameters<typeof pushAddon>[3], string, RegExp | string]> = [
    ["no-manifest", { manifest: null }, "flwd-addon/manifest.yaml", "is missing"],
    ["wrong-api", { manifest: manifestYaml({ apiVersion: "flwd.addon/v9" }) }, "apiVersion", /flwd\.addon\/v1/],
    ["bad-semver", { manifest: manifestYaml({ version: "one" }) }, "metadata.version", "must be a semantic version such as 1.0.0"],
    ["unknown-key", { manifest: manifestYaml({ extra: "hooks: { post_install: rm }" }) }, "hooks", /unexpected/],
    [
      "missing-job",
      { manifest: manifestYaml({ jobs: "jobs:\n  - { id: hello-world }\n  - { id: goodbye }" }) },
      "jobs.1.id",
      "no job goodbye under flwd-addon/jobs/"
    ]
  ]
  for (const [tag, options, path, message] of cases) {
    await pushAddon(registry.url, "example/addon", tag, options)
    const e = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/addon:${tag}` }))))
    t.match(e, { code: "E_ADDON_MANIFEST", status: 422, detail: new RegExp(`example/addon:${tag}`), errors: [{ path, message }] }, tag)
  }
  t.same(await call(engine, (x) => x.sources()).then((s) => s.filter((r) => r.type === "oci")), [], "nothing was added")
})

t.test("oci source: registry failures are E_OCI naming the ref, the status and the registry's code", async (t) => {
  const registry = await startRegistry(t)
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/nothing:1.0.0` }))))
  t.match(e, { code: "E_OCI", status: 502, detail: new RegExp(`^${registry.host}/example/nothing:1\\.0\\.0: .*HTTP 404`) })
  t.notMatch(e.detail, /\n|at .*\.ts/, "no stack trace")
  const tags = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/nothing`, semver: ">=1" }))))
  t.match(tags, { code: "E_OCI", detail: /NAME_UNKNOWN/ })
})

t.test("oci source: only the listed jobs are exposed, with the manifest's summaries", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0", {
    jobs: {
      "hello-world": { "config.yaml": HELLO_CONFIG, "run.sh": helloRun() },
      "tools/internal": { "config.yaml": "command: ./x.sh\n", "x.sh": "#!/bin/sh\n" }
    }
  })
  await pushAddon(registry.url, "example/addon", "all", {
    manifest: manifestYaml({ jobs: null }),
    jobs: {
      "hello-world": { "config.yaml": HELLO_CONFIG, "run.sh": helloRun() },
      "tools/internal": { "config.yaml": "command: ./x.sh\n", "x.sh": "#!/bin/sh\n" }
    }
  })
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (x) => x.addSource(addonSpec(registry.host)))
  await call(engine, (x) => x.addSource(addonSpec(registry.host, { name: "every", ref: `${registry.host}/example/addon:all` })))
  const jobs = (await call(engine, (x) => x.jobs())).filter((j) => j.source !== "default")
  t.same(jobs.map((j) => [j.id, j.summary]), [
    ["addon/hello-world", "Greets someone"],
    ["every/hello-world", "Greets from the image"],
    ["every/tools/internal", undefined]
  ])
})

t.test("oci source: a failing re-add keeps the old version serving; DELETE removes the jobs", async (t) => {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  await pushAddon(registry.url, "example/addon", "2.0.0", { manifest: manifestYaml({ version: "2.0" }) })
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  await call(engine, (x) => x.addSource(addonSpec(registry.host)))
  const e = await rejection(call(engine, (x) => x.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/addon:2.0.0` }))))
  t.match(e, { code: "E_ADDON_MANIFEST" })
  const plan = await call(engine, (x) => x.plan({ job: "addon/hello-world", args: { name: "Alice" } }))
  t.match(plan.provenance, { digest, addon: { version: "1.0.0" } }, "still 1.0.0")
  t.match(await call(engine, (x) => x.source("addon")), { status: "ready", provenance: { digest } })

  await call(engine, (x) => x.removeSource("addon"))
  t.match(await rejection(call(engine, (x) => x.job("addon/hello-world"))), { code: "job.not.found" })
  t.match(await rejection(call(engine, (x) => x.source("addon"))), { code: "source.not.found" })
  t.ok(existsSync(join(dataDir, "addons", digest, "rootfs")), "remove leaves the shared cache to :gc")
  const removed = (await call(engine, (x) => x.journal({}))).filter((ev) => ev.type === "source.removed")
  t.match(removed, [{ data: { name: "addon" } }])
})

t.test("oci source: the platform is chosen from an index; a single image of another platform is refused", async (t) => {
  const registry = await startRegistry(t)
  const amd64 = await addonImage({ platform: { os: "linux", architecture: "amd64" } })
  const arm64 = await addonImage({ platform: { os: "linux", architecture: "arm64" }, greeting: "Hej" })
  const index = await pushIndex(registry.url, "example/addon", "multi", [amd64, arm64])
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  const added = await call(engine, (x) => x.addSource(addonSpec(registry.host, { ref: `${registry.host}/example/addon:multi`, platform: "linux/arm64" })))
  t.match(added.source.provenance, { digest: arm64.manifest.digest, index_digest: index, resolved_digest: index, platform: "linux/arm64" })
  if (process.arch === "x64") {
    t.match(added.source.diagnostics, [], "an explicit platform is the user's choice")
    await pushAddon(registry.url, "example/addon", "arm-only", { platform: { os: "linux", architecture: "arm64" } })
    const foreign = await call(engine, (x) => x.addSource(addonSpec(registry.host, { name: "foreign", ref: `${registry.host}/example/addon:arm-only` })))
    t.match(foreign.source.diagnostics, [{ level: "warning", code: "addon.platform.foreign", message: /linux\/arm64/ }])
  }
  const wrong = await rejection(
    call(
      engine,
      (x) => x.addSource(addonSpec(registry.host, { name: "wrong", ref: `${registry.host}/example/addon@${amd64.manifest.digest}`, platform: "linux/s390x" }))
    )
  )
  t.match(wrong, { code: "E_OCI", detail: /no manifest for linux\/s390x; the image is linux\/amd64/, errors: [{ path: "platform" }] })
  const missing = await rejection(
    call(engine, (x) => x.addSource(addonSpec(registry.host, { name: "missing", ref: `${registry.host}/example/addon:multi`, platform: "linux/s390x" })))
  )
  t.match(missing, { code: "E_OCI", detail: /no manifest for linux\/s390x; the index offers linux\/amd64, linux\/arm64/ })
})
