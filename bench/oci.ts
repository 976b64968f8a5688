/**
 * @module
 * Add-on pulls against a real `docker-registry` on loopback (issue: OCI
 * add-on sources), all in one run:
 *
 * 1. Cold add of a ~60 MB, 3-layer add-on (random, incompressible data)
 *    into an empty cache, vs `skopeo copy docker://… oci:…` followed by
 *    `umoci raw unpack` of the same image. Goal: ratio ≤ 1.0 (stretch 0.5).
 * 2. Warm re-add of the same digest: blob GETs counted in the registry's
 *    access log (goal 0) and the median time.
 * 3. Peak RSS of a process pulling an add-on with a 500 MB layer
 *    (`process.resourceUsage().maxRSS`). Goal ≤ 150 MB: layers stream.
 */
import { execFile, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { promisify } from "node:util"
import { createEngine, Effect, Engine, type EngineHandle } from "../mod.ts"
import { buildImage, layerBlob, pushImage, tarLayer } from "../test/helpers/oci-image.ts"
import { startRegistry } from "../test/helpers/registry.ts"
import { median, ms, report } from "./_stats.ts"

const run = promisify(execFile)
const ROUNDS = 3
const WARM_ROUNDS = 10
const MB = 1024 * 1024
const cleanup: Array<() => unknown> = []
const work = mkdtempSync(join(tmpdir(), "flwd-bench-oci-"))
cleanup.push(() => rmSync(work, { recursive: true, force: true }))

const addonFiles = [
  {
    path: "flwd-addon/manifest.yaml",
    content: 'apiVersion: flwd.addon/v1\nkind: AddOn\nmetadata: { id: bench, name: Bench, version: 1.0.0 }\nrequires: { flwd: ">=0.1.0" }\n'
  },
  { path: "flwd-addon/jobs/hello/config.yaml", content: "command: ./run.sh\n" },
  { path: "flwd-addon/jobs/hello/run.sh", content: "#!/bin/sh\necho hello\n", mode: 0o755 }
]

const policy = (registry: string) => ({ profile: "secure", verify_signatures: "disabled" as const, allowed_registries: [registry] })

async function engineAt(dataDir: string, registry: string): Promise<EngineHandle> {
  return createEngine({ dataDir, root: join(work, "no-jobs"), env: {}, policy: policy(registry) })
}

async function timedAdd(engine: EngineHandle, ref: string, name = "bench"): Promise<number> {
  const started = performance.now()
  await engine.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "oci", name, ref, trusted: true })))
  return performance.now() - started
}

try {
  const registry = await startRegistry({ teardown: (fn) => cleanup.push(fn) })
  const blobGets = async () => (await registry.requests()).filter((r) => r.method === "GET" && r.path.includes("/blobs/")).length

  // 3, run first while this process is still small: on Linux a child's
  // maxRSS starts at its parent's RSS (the high-water mark survives fork and
  // exec). The child also reports VmHWM, the peak of its own address space.
  // The 500 MB image is built and pushed by another process, so this one stays small.
  const pushed = spawnSync(process.execPath, [join(import.meta.dirname, "_pull-rss.ts"), "push", registry.url, "bench/big", join(work, "big.tar")], {
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" }
  })
  if (pushed.status !== 0) throw new Error(`pushing the big image failed: ${pushed.stderr}`)
  const bigSize = Number(pushed.stdout.trim())
  const child = spawnSync(process.execPath, [
    join(import.meta.dirname, "_pull-rss.ts"),
    "pull",
    join(work, "big-data"),
    registry.host,
    `${registry.host}/bench/big:1.0.0`
  ], {
    encoding: "utf8",
    env: { ...process.env, NODE_NO_WARNINGS: "1" }
  })
  if (child.status !== 0) throw new Error(`the pull child failed: ${child.stderr}`)
  const pulled = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { maxRssKb: number; vmHwmKb: number | null; ms: number }
  const rssMb = pulled.maxRssKb / 1024
  report(`pull of a ${(bigSize / MB).toFixed(0)} MB layer`, ms(pulled.ms))
  // A library engine in this checkout's sources with node's defaults; the goal (≤ 150 MB) is for the
  // server and the CLI, which bound the young generation: `npm run bench -- pull-rss` measures them.
  report("peak RSS of an in-process engine pulling it (maxRSS)", `${rssMb.toFixed(1)} MB`, "node's defaults; flwd :serve and the CLI: pull-rss")
  if (pulled.vmHwmKb !== null) report("peak RSS of that process (VmHWM)", `${(pulled.vmHwmKb / 1024).toFixed(1)} MB`)

  // 1. ~60 MB in three gzip layers of random data (gzip cannot shrink it).
  const layers = await Promise.all(
    [0, 1, 2].map(async (i) => layerBlob(await tarLayer([...(i === 2 ? addonFiles : []), { path: `data/part${i}`, content: randomBytes(20 * MB) }]), "gzip"))
  )
  const image = buildImage(layers)
  const ref = `${registry.host}/bench/addon:1.0.0`
  await pushImage(registry.url, "bench/addon", "1.0.0", image)
  const total = layers.reduce((n, l) => n + l.size, 0)

  const flwd: Array<number> = []
  const tools: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    const dataDir = join(work, `cold-${round}`)
    const engine = await engineAt(dataDir, registry.host)
    flwd.push(await timedAdd(engine, ref))
    await engine.dispose()
    const dir = join(work, `skopeo-${round}`)
    mkdirSync(dir, { recursive: true })
    const started = performance.now()
    await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${dir}/layout:addon`])
    await run("umoci", ["raw", "unpack", "--rootless", "--image", `${dir}/layout:addon`, `${dir}/rootfs`])
    tools.push(performance.now() - started)
  }
  const ratio = median(flwd) / median(tools)
  report(`cold add, ${(total / MB).toFixed(0)} MB in 3 layers (median of ${ROUNDS})`, ms(median(flwd)))
  report("skopeo copy + umoci raw unpack, same image (median)", ms(median(tools)))
  report("ratio flwd / (skopeo + umoci)", ratio.toFixed(2), `goal ≤ 1.0, stretch ≤ 0.5 — ${ratio <= 1 ? "met" : "NOT met"}`)

  // 2. Warm re-adds: the digest is cached and unpacked. Each under a new name: adding a name
  // already held with the same spec changes nothing, and would measure nothing.
  const warmDir = join(work, "cold-0")
  const engine = await engineAt(warmDir, registry.host)
  const before = await blobGets()
  const warm: Array<number> = []
  for (let round = 0; round < WARM_ROUNDS; round++) warm.push(await timedAdd(engine, ref, `warm-${round}`))
  const gets = (await blobGets()) - before
  await engine.dispose()
  report(`warm re-add of the same digest (median of ${WARM_ROUNDS})`, ms(median(warm)))
  report("blob GETs during the warm re-adds", String(gets), `goal 0 — ${gets === 0 ? "met" : "NOT met"}`)
} finally {
  for (const fn of cleanup.reverse()) await fn()
}
