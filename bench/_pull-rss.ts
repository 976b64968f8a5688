/**
 * @module
 * Children of bench/oci.ts for the peak-RSS figure, each in a process of
 * its own so neither inflates the other's (nor the bench's) memory:
 *
 * - `push <registry-url> <repo> <temp-file> [mb]`: streams an add-on with one
 *   uncompressed layer of random data (default 500 MB) to disk and uploads
 *   it as `<repo>:1.0.0`; prints the layer size.
 * - `pull <data-dir> <registry-host> <ref>`: adds it through a fresh engine
 *   and prints `{ maxRssKb, vmHwmKb, ms, before, after }`, where `before` is
 *   the process once the engine is up (runtime and modules loaded) and
 *   `after` once the add is done: RSS, heap and external memory, in kB.
 */
import { createHash, randomBytes } from "node:crypto"
import { once } from "node:events"
import { createReadStream, createWriteStream, readFileSync, rmSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { Readable } from "node:stream"
import { pack } from "tar-stream"
import { createEngine, Effect, Engine } from "../mod.ts"
import { buildImage, type LayerBlob, layerBlob, pushBlob, pushManifest, tarLayer } from "../test/helpers/oci-image.ts"

const MB = 1024 * 1024

const addonFiles = [
  {
    path: "flwd-addon/manifest.yaml",
    content: 'apiVersion: flwd.addon/v1\nkind: AddOn\nmetadata: { id: big, name: Big, version: 1.0.0 }\nrequires: { flwd: ">=0.1.0" }\n'
  },
  { path: "flwd-addon/jobs/hello/config.yaml", content: "command: ./run.sh\n" }
]

/** Streams an uncompressed one-file tar of `bytes` random bytes to disk; returns its descriptor. */
async function bigLayer(file: string, bytes: number): Promise<LayerBlob> {
  const p = pack()
  const out = createWriteStream(file)
  const hash = createHash("sha256")
  let size = 0
  p.on("data", (data: unknown) => {
    const chunk = data as Buffer
    hash.update(chunk)
    size += chunk.length
    if (!out.write(chunk)) {
      p.pause()
      out.once("drain", () => p.resume())
    }
  })
  const ended = once(p, "end")
  const entry = p.entry({ name: "data/big", size: bytes, mode: 0o644, mtime: new Date(0) })
  for (let written = 0; written < bytes; written += MB) {
    // A fresh buffer each time: streams keep references to what they were given.
    if (!entry.write(randomBytes(Math.min(MB, bytes - written)))) await once(entry, "drain")
  }
  entry.end(() => undefined)
  p.finalize()
  await ended
  out.end()
  await once(out, "finish")
  const digest = `sha256:${hash.digest("hex")}`
  return { mediaType: "application/vnd.oci.image.layer.v1.tar", bytes: Buffer.alloc(0), digest, size, diffId: digest }
}

/** Monolithic upload of a blob file, streamed. */
async function pushFile(registryUrl: string, repo: string, file: string, blob: LayerBlob): Promise<void> {
  const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: "POST" })
  await start.arrayBuffer()
  const location = new URL(start.headers.get("location")!, registryUrl)
  location.searchParams.set("digest", blob.digest)
  const put = await fetch(location, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream", "content-length": String(blob.size) },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: "half"
  } as RequestInit)
  const answer = await put.text()
  if (put.status !== 201) throw new Error(`upload of ${blob.digest}: HTTP ${put.status} ${answer}`)
}

async function push(registryUrl: string, repo: string, file: string, mb: number): Promise<void> {
  const big = await bigLayer(file, mb * MB)
  await pushFile(registryUrl, repo, file, big)
  rmSync(file, { force: true })
  const top = layerBlob(await tarLayer(addonFiles), "gzip")
  const image = buildImage([big, top])
  await pushBlob(registryUrl, repo, top)
  await pushBlob(registryUrl, repo, image.config)
  await pushManifest(registryUrl, repo, "1.0.0", image.manifest)
  process.stdout.write(`${big.size}\n`)
}

const kb = (n: number) => Math.round(n / 1024)

/** What the process holds now, in kB. */
function memory(): Record<string, number> {
  const m = process.memoryUsage()
  return { rss: kb(m.rss), heapUsed: kb(m.heapUsed), heapTotal: kb(m.heapTotal), external: kb(m.external), arrayBuffers: kb(m.arrayBuffers) }
}

/** VmHWM: the peak of this address space (Linux), whatever the parent's size. */
function vmHwmKb(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))
    return m === null ? null : Number(m[1])
  } catch {
    return null
  }
}

async function pull(dataDir: string, registry: string, ref: string): Promise<void> {
  const engine = await createEngine({
    dataDir,
    root: dataDir,
    env: {},
    policy: { profile: "secure", verify_signatures: "disabled", allowed_registries: [registry] }
  })
  // The modules an add loads (the OCI plugin, undici, tar-stream) are loaded by the add itself: a first add of nothing would
  // change what is measured, so `before` is the engine alone.
  const before = memory()
  const started = performance.now()
  await engine.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "oci", name: "big", ref, trusted: true })))
  const ms = performance.now() - started
  const after = memory()
  await engine.dispose()
  process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, vmHwmKb: vmHwmKb(), ms, before, after }) + "\n")
}

const [mode, ...args] = process.argv.slice(2)
if (mode === "push") await push(args[0], args[1], args[2], Number(args[3] ?? 500))
else await pull(args[0], args[1], args[2])
