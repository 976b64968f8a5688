/**
 * Layers are unpacked straight from their in-flight downloads: a layer's
 * first files are on disk before the rest of its blob has arrived, and a
 * pull interrupted while a layer is still downloading leaves no temporary
 * file, no cached blob and no unpack directory. The registry is the fake
 * one (_fake-registry.ts): the real registry cannot be made to hold a body
 * back until the test says so.
 */
import t from "tap"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage } from "../../../plugins/oci/mod.ts"
import type { BlobStore, RegistryClient } from "../../../plugins/oci/mod.ts"
import { buildImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"
import { until } from "../../helpers/processes.ts"
import { route, serveImage, startFake } from "./_fake-registry.ts"

function client(t: { teardown: (fn: () => unknown) => void }): RegistryClient {
  const c = makeRegistryClient({ dockerConfig: false, timeouts: { idleMs: 120_000 } })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

function store(t: { teardown: (fn: () => void) => void }): BlobStore {
  const dir = mkdtempSync(join(tmpdir(), "flwd-pull-stream-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return makeBlobStore(dir)
}

/** Paths of files named `name` in the unpack temporaries under `addons/`. */
function unpackedSoFar(s: BlobStore, name: string): boolean {
  const addons = join(s.dir, "addons")
  if (!existsSync(addons)) return false
  return readdirSync(addons).some((d) => readdirSync(join(addons, d)).some((tmp) => existsSync(join(addons, d, tmp, name))))
}

/** Two layers; the second starts with a small file and then 2 MB of random bytes (gzip cannot shrink them). */
async function twoLayers() {
  const first = layerBlob(await tarLayer([{ path: "base", content: "base" }]))
  const second = layerBlob(await tarLayer([{ path: "early", content: "early" }, { path: "bulk", content: randomBytes(2 * 1024 * 1024) }]))
  return buildImage([first, second])
}

t.test("pullImage() unpacks a layer while the rest of its blob is still downloading", async (t) => {
  const img = await twoLayers()
  const layer = img.layers[1]
  const s = store(t)
  let sawEarly = false
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${layer.digest}`, async (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(layer.size) })
      res.write(layer.bytes.subarray(0, 64 * 1024))
      // The rest only once the layer's first file is on disk (or, if it never comes, after a long while, to let the test fail).
      await until("the layer's first file unpacked", () => unpackedSoFar(s, "early"), 60_000).then(() => (sawEarly = true), () => undefined)
      res.end(layer.bytes.subarray(64 * 1024))
    }),
    serveImage("x", "1", img)
  )
  const pulled = await Effect.runPromise(pullImage(client(t), { ref: parseImageReference(`${fake.host}/x:1`), store: s }))
  t.ok(sawEarly, "the first file of the layer was unpacked before its blob was complete")
  t.equal(readFileSync(join(pulled.rootfs, "early"), "utf8"), "early")
  t.equal(readFileSync(join(pulled.rootfs, "bulk")).length, 2 * 1024 * 1024)
  t.ok(existsSync(s.path(layer.digest as never)), "the layer is in the cache once verified")
  t.same(readdirSync(join(s.dir, "blobs", "tmp")), [], "no temporary blob")
})

t.test("pullImage() interrupted while a layer downloads leaves no temporary file, blob or unpack directory", async (t) => {
  const img = await twoLayers()
  const layer = img.layers[1]
  const s = store(t)
  let started = false
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${layer.digest}`, (_req, res) => {
      // Half the blob, then nothing more.
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(layer.size) })
      res.write(layer.bytes.subarray(0, Math.floor(layer.size / 2)))
      started = true
    }),
    serveImage("x", "1", img)
  )
  const fiber = Effect.runFork(pullImage(client(t), { ref: parseImageReference(`${fake.host}/x:1`), store: s }))
  await until("the second layer half downloaded and its first file unpacked", () => started && unpackedSoFar(s, "early"), 60_000)
  await Effect.runPromise(Fiber.interrupt(fiber))
  t.same(readdirSync(join(s.dir, "blobs", "tmp")), [], "no temporary blob")
  t.notOk(existsSync(s.path(layer.digest as never)), "the incomplete layer is not cached")
  const addons = join(s.dir, "addons")
  const leftovers = existsSync(addons) ? readdirSync(addons).flatMap((d) => readdirSync(join(addons, d))) : []
  t.same(leftovers, [], "no rootfs and no temporary unpack directory")
})
