import t from "tap"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { layerBlob, tarLayer } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { tempDir } from "../../../helpers/engine.ts"
import { addonEngine, addonImage, addonSpec, call, pushAddon, testPolicy, writePolicyFile } from "./_addon.ts"
import { pushImage } from "../../../helpers/oci-image.ts"
import { startProxy } from "./_proxy.ts"
import { untracked } from "../../../helpers/untracked.ts"

const randomLayer = async (name: string, bytes: number) => layerBlob(await tarLayer([{ path: `data/${name}`, content: randomBytes(bytes) }]), "gzip")

/** Every leftover of an interrupted pull under the data directory. */
function leftovers(dataDir: string): Array<string> {
  const out: Array<string> = []
  for (const d of readdirSync(join(dataDir, "addons"))) {
    if (!d.startsWith("sha256:")) continue
    for (const n of readdirSync(join(dataDir, "addons", d))) if (n !== "rootfs") out.push(`addons/${d}/${n}`)
  }
  const tmp = join(dataDir, "blobs", "tmp")
  if (existsSync(tmp)) out.push(...readdirSync(tmp).map((n) => `blobs/tmp/${n}`))
  return out
}

t.test("kill -9 of flwd mid-unpack: a restart leaves no partial rootfs and the old source still works", async (t) => {
  const registry = await startRegistry(t)
  const v2 = await addonImage({ greeting: "Hi", extraLayers: [await randomLayer("one", 200_000), await randomLayer("two", 200_000)] })
  const held = v2.layers[2].digest
  const proxy = await startProxy(t, registry.host, { hold: (method, path) => method === "GET" && path.endsWith(`/blobs/${held}`) })
  const policy = testPolicy(proxy.host)
  const dir = tempDir(t)
  const policyFile = writePolicyFile(dir, policy)

  const v1 = await pushAddon(registry.url, "example/addon", "1.0.0")
  const first = await addonEngine(t, policy, join(dir, "data"))
  await call(first.engine, (e) => e.addSource(addonSpec(proxy.host)))
  await first.engine.dispose()

  await pushImage(registry.url, "example/addon", "1.0.0", v2)
  const child = spawn(...untracked([process.execPath, join(import.meta.dirname, "_engine-child.ts"), first.dataDir, policyFile, "refresh", "addon"]), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" }
  })
  const exited = new Promise((resolve) => child.on("exit", resolve))
  let out = ""
  let err = ""
  child.stderr.on("data", (d: Buffer) => (err += d.toString()))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      // Layers 0 and 1 are in the temporary rootfs; layer 2 never arrives.
      if (out.split("\n").some((l) => l.includes('"state":"unpacked"') && l.includes('"index":1'))) resolve()
    })
    child.on("exit", () => reject(new Error(`the child exited early:\n${out}\n${err}`)))
  })
  await proxy.held
  t.ok(leftovers(first.dataDir).some((l) => l.includes(".rootfs-tmp-")), "the child was unpacking")
  child.kill("SIGKILL")
  await exited

  const restarted = await addonEngine(t, policy, first.dataDir)
  t.same(leftovers(first.dataDir), [], "the restart swept the partial unpack and blob")
  t.notOk(existsSync(join(first.dataDir, "addons", v2.manifest.digest, "rootfs")), "no rootfs of the interrupted pull")
  t.match(await call(restarted.engine, (e) => e.source("addon")), { status: "ready", job_count: 1, provenance: { digest: v1 } })
  const plan = await call(restarted.engine, (e) => e.plan({ job: "addon/hello-world", args: { name: "Alice" } }))
  t.match(plan.provenance, { digest: v1 }, "the old version still serves")
})

t.test("two concurrent adds of one ref fetch each layer once and both succeed", async (t) => {
  const registry = await startRegistry(t)
  const image = await addonImage()
  const digest = await pushImage(registry.url, "example/addon", "1.0.0", image)
  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  const results = await Promise.all([
    call(engine, (e) => e.addSource(addonSpec(registry.host))),
    call(engine, (e) => e.addSource(addonSpec(registry.host))),
    call(engine, (e) => e.addSource(addonSpec(registry.host, { name: "again" })))
  ])
  t.same(results.map((r) => r.source.provenance.digest), [digest, digest, digest])
  t.same(results.map((r) => r.source.status), ["ready", "ready", "ready"])
  const gets = (await registry.requests()).filter((r) => r.method === "GET")
  for (const layer of image.layers) t.equal(gets.filter((r) => r.path.endsWith(`/blobs/${layer.digest}`)).length, 1, `layer ${layer.digest} fetched once`)
  t.same(readdirSync(join(dataDir, "addons", digest)), ["rootfs"], "one rootfs, no temporary directory left")
  const jobs = (await call(engine, (e) => e.jobs())).filter((j) => j.source !== "default").map((j) => j.id)
  t.same(jobs, ["addon/hello-world", "again/hello-world"])
})
