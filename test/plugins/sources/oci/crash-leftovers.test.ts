/**
 * Crash leftovers of a first add (issue 12, item 8): what a kill -9 of
 * `flwd :sources add --type oci` leaves — the temporary blob, the
 * `.rootfs-tmp-*` directory, the pull marker — is swept at the next start
 * even though no OCI source was ever pinned, while a pull still live in
 * another process keeps its files; a failed add leaves no empty
 * `addons/<digest>/`.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { examples, repo, tempDir } from "../../../helpers/engine.ts"
import { layerBlob, pushImage, tarLayer } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { addonEngine, addonImage, addonSpec, call, testPolicy, writePolicyFile } from "./_addon.ts"
import { startProxy } from "./_proxy.ts"
import { untracked } from "../../../helpers/untracked.ts"

const isDigest = (name: string) => /^sha256:[a-f0-9]{64}$/.test(name)

/** Everything under the data directory that only a pull in progress (or a crashed one) leaves. */
function leftovers(dataDir: string): Array<string> {
  const out: Array<string> = []
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : [])
  for (const d of list(join(dataDir, "addons")).filter(isDigest)) {
    const inside = list(join(dataDir, "addons", d))
    if (inside.length === 0) out.push(`addons/${d}/ (empty)`)
    for (const n of inside) if (n !== "rootfs") out.push(`addons/${d}/${n}`)
  }
  out.push(...list(join(dataDir, "addons", "pulls")).map((n) => `addons/pulls/${n}`))
  out.push(...list(join(dataDir, "blobs", "tmp")).map((n) => `blobs/tmp/${n}`))
  return out.sort()
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const randomLayer = async (name: string, bytes: number) => layerBlob(await tarLayer([{ path: `data/${name}`, content: randomBytes(bytes) }]), "gzip")

t.test("kill -9 of `flwd :sources add` mid-pull: the next start sweeps its leftovers with no oci source pinned", async (t) => {
  const registry = await startRegistry(t)
  const image = await addonImage({ extraLayers: [await randomLayer("one", 200_000), await randomLayer("two", 200_000)] })
  await pushImage(registry.url, "example/addon", "1.0.0", image)
  const held = image.layers[2].digest
  const proxy = await startProxy(t, registry.host, { hold: (method, path) => method === "GET" && path.endsWith(`/blobs/${held}`) })
  const policy = testPolicy(proxy.host, registry.host)
  const cwd = tempDir(t, "flwd-leftovers-")
  cpSync(examples, join(cwd, "jobs"), { recursive: true })
  const dataDir = join(cwd, "data")
  const policyFile = writePolicyFile(cwd, policy)

  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: "1" }
  for (const key of Object.keys(env)) if (key.startsWith("FLWD_")) delete env[key]
  const child = spawn(
    ...untracked([
      process.execPath,
      join(repo, "cli/main.ts"),
      "--data-dir",
      dataDir,
      "--policy",
      policyFile,
      ":sources",
      "add",
      "--type",
      "oci",
      "--name",
      "addon",
      "--ref",
      `${proxy.host}/example/addon:1.0.0`,
      "--trusted"
    ]),
    { cwd, env, stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  child.stdout.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr.on("data", (d: Buffer) => (output += d.toString()))
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  let gone = false
  void exited.then(() => (gone = true))
  t.teardown(() => {
    if (!gone) child.kill("SIGKILL")
  })

  await proxy.held
  // The held layer has its temporary blob; the unpack has its temporary rootfs; the pull its marker.
  await until("the pull's temporary files", () => {
    if (gone) throw new Error(`flwd exited early:\n${output}`)
    const l = leftovers(dataDir)
    return l.some((x) => x.includes("/.rootfs-tmp-")) && l.some((x) => x.startsWith("blobs/tmp/")) && l.some((x) => x.startsWith("addons/pulls/"))
  })
  child.kill("SIGKILL")
  await exited
  t.not(leftovers(dataDir).length, 0, "the kill left temporary files behind")

  const restarted = await addonEngine(t, policy, dataDir)
  t.same((await call(restarted.engine, (e) => e.sources())).map((s) => s.name), ["default"], "no oci source was ever pinned")
  t.same(leftovers(dataDir), [], "the start swept the temporary blob, the temporary rootfs and the dead marker")

  const added = await call(restarted.engine, (e) => e.addSource(addonSpec(registry.host)))
  t.match(added.source, { status: "ready", job_count: 1, provenance: { digest: image.manifest.digest } }, "a re-add works")
  t.same(leftovers(dataDir), [], "and leaves nothing behind")
  t.same(readdirSync(join(dataDir, "addons", image.manifest.digest)), ["rootfs"])
})

t.test("a pull marker of a live process keeps the leftovers; once that process is gone the next start sweeps them", async (t) => {
  const dir = tempDir(t, "flwd-leftovers-")
  const dataDir = join(dir, "data")
  const hex = (n: number) => randomBytes(n).toString("hex")
  // Named as the blob writer, the unpacker and the pull marker name them.
  const tmpBlob = join(dataDir, "blobs", "tmp", `${hex(8)}-${hex(6)}`)
  const tmpRootfs = join(dataDir, "addons", `sha256:${hex(32)}`, ".rootfs-tmp-Ab12Cd")
  const emptyAddon = join(dataDir, "addons", `sha256:${hex(32)}`)
  mkdirSync(join(tmpRootfs, "bin"), { recursive: true })
  writeFileSync(join(tmpRootfs, "bin", "half"), "half a layer")
  mkdirSync(join(dataDir, "blobs", "tmp"), { recursive: true })
  writeFileSync(tmpBlob, randomBytes(1000))
  mkdirSync(emptyAddon, { recursive: true })
  const sleeper = spawn("sleep", ["600"], { stdio: "ignore" })
  const slept = new Promise<void>((resolve) => sleeper.on("exit", () => resolve()))
  t.teardown(() => {
    sleeper.kill("SIGKILL")
  })
  const marker = join(dataDir, "addons", "pulls", `${sleeper.pid}-${hex(4)}`)
  mkdirSync(join(dataDir, "addons", "pulls"), { recursive: true })
  writeFileSync(marker, String(sleeper.pid))
  const before = leftovers(dataDir)
  t.equal(before.length, 4)

  const policy = testPolicy("127.0.0.1:1")
  const first = await addonEngine(t, policy, dataDir)
  t.same(leftovers(dataDir), before, "a live pull elsewhere: nothing is touched")
  await first.engine.dispose()

  sleeper.kill("SIGKILL")
  await slept
  await addonEngine(t, policy, dataDir)
  t.same(leftovers(dataDir), [], "its owner gone, the next start sweeps everything")
  t.notOk(existsSync(tmpBlob) || existsSync(tmpRootfs) || existsSync(emptyAddon) || existsSync(marker))
})

t.test("a failed add leaves no empty addons/<digest>/ behind", async (t) => {
  const registry = await startRegistry(t)
  const image = await addonImage()
  const digest = await pushImage(registry.url, "example/addon", "1.0.0", image)
  // The registry serves the first layer with other bytes of the same size: the unpack fails.
  const layer = image.layers[0].digest.slice("sha256:".length)
  const stored = join(registry.storage, "docker/registry/v2/blobs/sha256", layer.slice(0, 2), layer, "data")
  writeFileSync(stored, randomBytes(statSync(stored).size))

  const { engine, dataDir } = await addonEngine(t, testPolicy(registry.host))
  const error = await call(engine, (e) => e.addSource(addonSpec(registry.host))).then(() => null, (e) => e)
  t.match(error, { code: "E_OCI" })
  t.notOk(existsSync(join(dataDir, "addons", digest)), "no addons/<digest>/ for the failed pull")
  t.same(leftovers(dataDir), [])
})
