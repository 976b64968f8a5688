/**
 * A pull killed with SIGKILL in the middle of unpacking leaves no rootfs:
 * only temporary files, which `sweepPartial` removes, after which the same
 * pull succeeds.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { addonRootfsPath, makeBlobStore, makeRegistryClient, parseImageReference, pullImage, sweepPartial } from "../../../plugins/oci/mod.ts"
import type { Digest } from "../../../plugins/oci/mod.ts"
import { buildImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"
import { route, serveImage, startFake } from "./_fake-registry.ts"
import { untracked } from "../../helpers/untracked.ts"

t.test("pullImage() killed mid-unpack leaves no rootfs; sweepPartial() cleans up", async (t) => {
  const img = buildImage(await Promise.all([0, 1, 2].map(async (i) => layerBlob(await tarLayer([{ path: `layer${i}`, content: String(i).repeat(10_000) }])))))
  let stall = true
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${img.layers[2].digest}`, (_req, res) => {
      if (!stall) return false
      // The last layer never arrives while the child runs.
      res.writeHead(200, { "content-length": String(img.layers[2].size) })
      res.write(img.layers[2].bytes.subarray(0, 10))
    }),
    serveImage("x", "1", img)
  )
  const dataDir = mkdtempSync(join(tmpdir(), "flwd-crash-"))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

  const child = spawn(...untracked([process.execPath, join(import.meta.dirname, "_pull-child.ts"), fake.host, dataDir]), {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const exited = new Promise((resolve) => child.on("exit", resolve))
  let out = ""
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("unpacked 1")) resolve()
    })
    child.on("exit", () => reject(new Error(`child exited early: ${out}`)))
  })
  child.kill("SIGKILL")
  await exited

  const rootfs = addonRootfsPath(dataDir, img.manifest.digest as Digest)
  t.notOk(existsSync(rootfs), "no rootfs after the crash")
  const parent = join(rootfs, "..")
  t.ok(readdirSync(parent).some((n) => n.startsWith(".rootfs-tmp-")), "a partial unpack was left in a temporary directory")
  const store = makeBlobStore(dataDir)
  t.ok((await Effect.runPromise(sweepPartial(dataDir, store))) >= 1)
  t.same(readdirSync(parent), [], "swept")
  t.same(readdirSync(join(dataDir, "blobs", "tmp")), [])

  stall = false
  const client = makeRegistryClient({ dockerConfig: false })
  t.teardown(() => Effect.runPromise(client.close))
  const pulled = await Effect.runPromise(pullImage(client, { ref: parseImageReference(`${fake.host}/x:1`), store }))
  t.equal(pulled.rootfs, rootfs)
  t.equal(readFileSync(join(rootfs, "layer2"), "utf8"), "2".repeat(10_000))
})
