/**
 * Two real `flwd :serve` processes on one data directory (one SQLite
 * store), as an operator runs them: server A adds OCI add-ons and runs
 * their jobs while server B collects garbage every second. B must never
 * remove the rootfs or blobs of an add-on A is adding or serving — neither
 * before A's source record is stored nor while B's view of the store lags —
 * so every run on A succeeds inside its image and B removes nothing (every
 * add-on stays referenced).
 *
 * The first case makes the race certain: a proxy holds A's pull after its
 * manifest is cached, until B has collected at least once. The second is
 * the operator's loop: several add-ons with many jobs and layers, added at
 * once and run, while B collects.
 */
import t from "tap"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { repo, tempDir } from "../../../helpers/engine.ts"
import { layerBlob, pushImage, tarLayer } from "../../../helpers/oci-image.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { spawnListening } from "../../../server/_helpers.ts"
import { startProxy } from "./_proxy.ts"
import { addonImage, addonSpec, HELLO_CONFIG, helloRun, manifestYaml, testPolicy, writePolicyFile } from "./_addon.ts"

t.setTimeout(600_000)

const ADDONS = 5
const JOBS = 150
const headers = { authorization: "Bearer all", "content-type": "application/json" }

function serve(dir: string, policyFile: string, gcInterval: string) {
  return spawnListening(
    [
      join(repo, "bin", "flwd.js"),
      ":serve",
      "--bind",
      "127.0.0.1:0",
      "--policy",
      policyFile,
      "--data-dir",
      join(dir, "data"),
      "--root",
      join(dir, "jobs"),
      "--gc-interval",
      gcInterval
    ],
    { FLWD_TOKENS: "all:*" },
    dir
  )
}

/**
 * Resolves once a collection on the data directory has run from start to
 * end after the call: a pull marker of a dead process is removed by the
 * first look of any collection, and collections on one server never
 * overlap, so the second marker's removal closes the first's collection.
 */
async function collected(dataDir: string): Promise<void> {
  for (const n of [1, 2]) {
    const marker = join(dataDir, "addons", "pulls", `999999999-sentinel${n}`)
    mkdirSync(join(dataDir, "addons", "pulls"), { recursive: true })
    writeFileSync(marker, "999999999")
    while (existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** An add-on image with `JOBS` jobs and three small extra layers, its greeting `greeting`. */
async function bigAddon(greeting: string) {
  const jobs: Record<string, Record<string, string>> = { "hello-world": { "config.yaml": HELLO_CONFIG, "run.sh": helloRun(greeting) } }
  for (let i = 0; i < JOBS; i++) jobs[`job-${i}`] = { "config.yaml": `name: Job ${i}\ncommand: ./run.sh\n`, "run.sh": `#!/bin/sh\necho ${i}\n` }
  const extraLayers = await Promise.all(
    [0, 1, 2].map(async (n) => layerBlob(await tarLayer([{ path: `data-${greeting}-${n}.txt`, content: `${greeting} ${n}\n`.repeat(20_000) }])))
  )
  const listed = Object.keys(jobs).map((id) => `  - { id: ${id} }`)
  return addonImage({ greeting, jobs, extraLayers, manifest: manifestYaml({ jobs: ["jobs:", ...listed].join("\n") }) })
}

t.test("a collection on one server keeps the blobs of an add-on another server on its data directory is pulling", async (t) => {
  const registry = await startRegistry(t)
  const image = await addonImage()
  const digest = await pushImage(registry.url, "example/addon", "1.0.0", image)
  const proxy = await startProxy(t, registry.host, { hold: (_method, path) => path.endsWith(`/blobs/${image.config.digest}`) })
  const dir = tempDir(t, "flwd-gc-shared-")
  mkdirSync(join(dir, "jobs"))
  const dataDir = join(dir, "data")
  const policyFile = writePolicyFile(dir, testPolicy(proxy.host))
  const a = await serve(dir, policyFile, "0")
  t.teardown(() => void a.child.kill("SIGKILL"))
  const b = await serve(dir, policyFile, "1s")
  t.teardown(() => void b.child.kill("SIGKILL"))

  const adding = fetch(`${a.url}/sources`, { method: "POST", headers, body: JSON.stringify(addonSpec(proxy.host)) })
  // A has cached the manifest and waits for the config; its source record is not stored yet.
  await proxy.held
  const manifestBlob = join(dataDir, "blobs", "sha256", digest.slice("sha256:".length))
  t.ok(existsSync(manifestBlob), "A cached the manifest")
  await collected(dataDir)
  t.ok(existsSync(manifestBlob), "B's collection kept the manifest A is pulling")
  proxy.release()

  const added = await adding
  const source = await added.json() as Record<string, unknown>
  t.equal(added.status, 201, `POST /sources added the add-on: ${JSON.stringify(source.error ?? null)}`)
  t.match(source, { status: "ready", provenance: { digest } }, "the add-on is ready")
  const posted = await fetch(`${a.url}/runs`, { method: "POST", headers, body: JSON.stringify({ job: "addon/hello-world", args: { name: "Alice" } }) })
  const run = await posted.json() as { id: string }
  t.equal(posted.status, 202, "POST /runs was accepted")
  const events = await (await fetch(`${a.url}/runs/${run.id}/events`, { headers })).text()
  t.match(events, "Hello, Alice! from the add-on image", "the run printed from inside the image")
  t.match(events, /event: run\.finished/, "the run finished")
  t.notMatch(b.stderr(), /flwd: gc: removed/, "B removed nothing of the add-on")
})

t.test("a collection on one server never removes the add-on another server on its data directory adds and runs", async (t) => {
  const registry = await startRegistry(t)
  const dir = tempDir(t, "flwd-gc-shared-")
  mkdirSync(join(dir, "jobs"))
  const digests: Array<string> = []
  for (let i = 0; i < ADDONS; i++) digests.push(await pushImage(registry.url, "example/addon", `1.0.${i}`, await bigAddon(`Hello ${i}`)))
  const policyFile = writePolicyFile(dir, testPolicy(registry.host))
  const a = await serve(dir, policyFile, "0")
  t.teardown(() => void a.child.kill("SIGKILL"))
  const b = await serve(dir, policyFile, "200ms")
  t.teardown(() => void b.child.kill("SIGKILL"))

  // The add-ons are added at once, as several clients would: each pull's window between writing and storing its record is wider.
  await Promise.all(digests.map(async (digest, i) => {
    const name = `addon${i}`
    const body = { type: "oci", name, ref: `${registry.host}/example/addon:1.0.${i}`, trusted: true, pull_policy: "on-add" }
    const added = await fetch(`${a.url}/sources`, { method: "POST", headers, body: JSON.stringify(body) })
    const source = await added.json() as Record<string, unknown>
    t.equal(added.status, 201, `POST /sources added ${name}: ${JSON.stringify(source.error ?? null)}`)
    t.match(source, { name, status: "ready", job_count: JOBS + 1, provenance: { digest } }, `${name} is ready with its jobs`)
  }))
  for (let i = 0; i < ADDONS; i++) {
    const name = `addon${i}`
    const posted = await fetch(`${a.url}/runs`, { method: "POST", headers, body: JSON.stringify({ job: `${name}/hello-world`, args: { name: "Alice" } }) })
    const run = await posted.json() as { id: string }
    t.equal(posted.status, 202, `POST /runs of ${name}/hello-world was accepted`)
    const events = await (await fetch(`${a.url}/runs/${run.id}/events`, { headers })).text()
    t.match(events, `Hello ${i}, Alice! from the add-on image`, `the run of ${name} printed from inside its image`)
    t.match(events, /event: run\.finished/, `the run of ${name} finished`)
    t.ok(existsSync(join(dir, "data", "addons", digests[i], "rootfs")), `the rootfs of ${name} is still there`)
  }
  t.notMatch(b.stderr(), /flwd: gc: removed/, "B removed nothing: every add-on stays referenced")
})
