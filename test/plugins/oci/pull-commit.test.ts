/**
 * A layer's cache commit (fsync and rename) runs while the next layer
 * unpacks. When it fails, the pull fails with the cache's error once the
 * unpack is over; the process goes on (a commit failure nobody was waiting
 * for yet must not be an unhandled rejection, which ends a Node process).
 * The fake registry holds the second layer back until the first one's
 * commit has failed.
 */
import t from "tap"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage } from "../../../plugins/oci/mod.ts"
import { buildImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"
import { until } from "../../helpers/processes.ts"
import { route, serveImage, startFake } from "./_fake-registry.ts"

t.test("pullImage() fails with the cache's error when a layer's commit fails while the next layer unpacks", async (t) => {
  const first = layerBlob(await tarLayer([{ path: "base", content: "base" }]))
  const second = layerBlob(await tarLayer([{ path: "early", content: "early" }, { path: "late", content: "late" }]), "none")
  const img = buildImage([first, second])
  const dir = mkdtempSync(join(tmpdir(), "flwd-pull-commit-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Where committed blobs go is a file: every commit fails, after the download verified.
  mkdirSync(join(dir, "blobs"))
  writeFileSync(join(dir, "blobs", "sha256"), "not a directory")
  const store = makeBlobStore(dir)
  const tmp = join(dir, "blobs", "tmp")
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${second.digest}`, async (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(second.size) })
      res.write(second.bytes.subarray(0, 1024))
      // The first layer's commit has failed once its temporary file is gone; only this layer's is left.
      await until("the first layer's commit failed", () => existsSync(tmp) && readdirSync(tmp).length === 1, 60_000).catch(() => undefined)
      res.end(second.bytes.subarray(1024))
    }),
    serveImage("x", "1", img)
  )
  const client = makeRegistryClient({ dockerConfig: false, timeouts: { idleMs: 120_000 } })
  t.teardown(() => Effect.runPromise(client.close))
  const result = await Effect.runPromise(Effect.either(pullImage(client, { ref: parseImageReference(`${fake.host}/x:1`), store })))
  t.equal(result._tag, "Left", "the pull failed")
  if (result._tag === "Left") t.match(result.left, { _tag: "BlobStoreError", reason: "io", detail: /cannot store blob/ })
  t.same(readdirSync(tmp), [], "no temporary blob")
  const addons = join(dir, "addons")
  t.same(existsSync(addons) ? readdirSync(addons).flatMap((d) => readdirSync(join(addons, d))) : [], [], "no rootfs and no temporary unpack directory")
})
