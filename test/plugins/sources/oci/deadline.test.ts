/**
 * One deadline per add (issue 12, item 5): a registry that never answers, a
 * `Retry-After: 3600` or a blob that stops half way fails the add with
 * `E_OCI` naming what timed out, within the policy's `pull_timeout` and a
 * few seconds, and leaves no temporary blob behind. A real registry behind
 * a proxy that misbehaves on purpose.
 */
import t from "tap"
import { randomBytes } from "node:crypto"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { createEngine, type Policy } from "../../../../mod.ts"
import { effectivePolicy } from "../../../../plugins/policy/mod.ts"
import { builtinProfiles } from "../../../../plugins/profiles/mod.ts"
import { rejection, tempDir } from "../../../helpers/engine.ts"
import { layerBlob, pushImage, tarLayer } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonImage, addonSpec, call, pushAddon, testPolicy } from "./_addon.ts"
import { startFaultProxy } from "./_fault-proxy.ts"
import { startProxy } from "./_proxy.ts"

/** Generous on a loaded machine, far below what the unbounded waits took (minutes). */
const SLACK_MS = 12_000

/** The add's failure and how long it took; a guard stops a test that would wait for minutes. */
async function timedFailure(add: Promise<unknown>): Promise<{ readonly e: any; readonly ms: number }> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the add was still waiting after 60 s")), 60_000)))
  try {
    const e = await rejection(Promise.race([add, guard]))
    return { e, ms: Date.now() - started }
  } finally {
    clearTimeout(timer)
  }
}

const noTempBlobs = (dataDir: string) => {
  const tmp = join(dataDir, "blobs", "tmp")
  return existsSync(tmp) ? readdirSync(tmp) : []
}

t.test("a registry that never answers fails the add with E_OCI within pull_timeout", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const proxy = await startProxy(t, registry.host, { hold: () => true })
  const { engine, dataDir } = await addonEngine(t, { ...testPolicy(proxy.host), pull_timeout: "3s" })
  const { e, ms } = await timedFailure(call(engine, (x) => x.addSource(addonSpec(proxy.host))))
  t.match(e, { code: "E_OCI", status: 502 })
  t.match(e.detail, /3s/, "the detail names the deadline")
  t.match(e.detail, /(HEAD|GET) http:\/\/127\.0\.0\.1:\d+\/v2\/example\/addon\/manifests\/1\.0\.0 \(no end after \d/, "and the request that was waiting")
  t.ok(ms < 3_000 + SLACK_MS, `failed after ${ms} ms`)
  t.same(noTempBlobs(dataDir), [], "no temporary blob")
})

t.test("Retry-After: 3600 fails the add at once with E_OCI instead of waiting", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const proxy = await startFaultProxy(t, registry.host, (req, res) => {
    if (!(req.url ?? "").includes("/manifests/")) return false
    res.writeHead(503, { "retry-after": "3600", "content-type": "application/json" })
    res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "come back later" }] }))
    return true
  })
  // The default deadline (120 s): the registry asks for more than is left of it.
  const { engine } = await addonEngine(t, testPolicy(proxy.host))
  const { e, ms } = await timedFailure(call(engine, (x) => x.addSource(addonSpec(proxy.host))))
  t.match(e, { code: "E_OCI", status: 502, detail: /Retry-After.*3600/ })
  t.match(e.detail, /manifests\/1\.0\.0/, "the detail names the request")
  t.ok(ms < SLACK_MS, `failed after ${ms} ms`)
  t.equal(proxy.seen.filter((r) => r.includes("/manifests/")).length, 1, "asked once, not retried")
})

t.test("a blob that stops half way fails at the deadline and leaves nothing half-written", async (t) => {
  const registry = await startRegistry(t)
  const big = layerBlob(await tarLayer([{ path: "data", content: randomBytes(1024 * 1024) }]), "none")
  await pushImage(registry.url, "example/addon", "1.0.0", await addonImage({ extraLayers: [big] }))
  const proxy = await startFaultProxy(t, registry.host, (req, res) => {
    if (req.method !== "GET" || !(req.url ?? "").endsWith(`/blobs/${big.digest}`)) return false
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(big.size) })
    res.write(big.bytes.subarray(0, big.size / 2))
    return true
  })
  // Long enough for the manifest and the first layer on a loaded machine: the stall is what must time out.
  const { engine, dataDir } = await addonEngine(t, { ...testPolicy(proxy.host), pull_timeout: "6s" })
  const { e, ms } = await timedFailure(call(engine, (x) => x.addSource(addonSpec(proxy.host))))
  t.match(e, { code: "E_OCI", status: 502, detail: new RegExp(`6s.*GET http://127\\.0\\.0\\.1:\\d+/v2/example/addon/blobs/${big.digest} \\(no end after`) })
  t.ok(ms < 6_000 + SLACK_MS, `failed after ${ms} ms`)
  t.same(noTempBlobs(dataDir), [], "no temporary blob")
  t.notOk(existsSync(join(dataDir, "blobs", "sha256", big.digest.slice("sha256:".length))), "the broken layer is not cached")
  const addons = join(dataDir, "addons")
  const leftovers = existsSync(addons) ? readdirSync(addons).filter((d) => d.startsWith("sha256:")).flatMap((d) => readdirSync(join(addons, d))) : []
  t.same(leftovers, [], "no rootfs and no temporary unpack directory")
})

t.test("pull_timeout and blob_hosts are validated with the policy", async (t) => {
  const e = await rejection(
    createEngine({ env: {}, dataDir: join(tempDir(t), "data"), policy: { pull_timeout: "soon", blob_hosts: ["https://blobs.example"] } })
  )
  t.match(e, { code: "policy.invalid" })
  t.match(e.errors, [{ path: "blob_hosts[0]", message: /without a scheme/ }, { path: "pull_timeout", message: /duration/ }])
})

t.test("effectivePolicy() shows pull_timeout and blob_hosts", async (t) => {
  const show = (policy: Policy) => effectivePolicy({ policy, file: null, policyDir: ".", profile: "secure", profiles: builtinProfiles })
  t.match(show({}), { pull_timeout: "120s", blob_hosts: [] })
  t.match(show({ pull_timeout: 90, blob_hosts: ["blobs.example.com"] }), { pull_timeout: "90s", blob_hosts: ["blobs.example.com"] })
})
