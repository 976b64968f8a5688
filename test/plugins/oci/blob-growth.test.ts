/**
 * A blob being written tells a reader of its own (the unpack worker) how far
 * its temporary file has grown, and ends only once the bytes are complete
 * and verified: a download that fails leaves that reader with the failure,
 * never with a short file taken for the whole blob.
 */
import t from "tap"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeBlobStore } from "../../../plugins/oci/mod.ts"
import { sha256 } from "../../helpers/oci-image.ts"

async function ownerOf(t: { teardown: (fn: () => void) => void }, bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "flwd-growth-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const lease = await makeBlobStore(dir).lease({ mediaType: "application/octet-stream", digest: sha256(bytes) as never, size: bytes.length })
  if (lease._tag !== "owner") throw new Error(`expected to own the blob, got ${lease._tag}`)
  return lease.writer
}

t.test("growth() follows the file's size and ends once the writer ends", async (t) => {
  const bytes = Buffer.from("0123456789".repeat(100))
  const writer = await ownerOf(t, bytes)
  const seen: Array<number> = []
  const reading = (async () => {
    for await (const size of writer.growth()) {
      seen.push(size)
      t.ok(readFileSync(writer.file).length >= size, "the file holds what growth said")
    }
  })()
  for (let i = 0; i < bytes.length; i += 250) {
    await writer.write(bytes.subarray(i, i + 250))
    await new Promise((r) => setImmediate(r))
  }
  writer.end()
  await reading
  t.equal(seen.at(-1), bytes.length, "the last size is the whole blob")
  t.ok(seen.every((n, i) => i === 0 || n > seen[i - 1]), "sizes only grow")
  await writer.abort()
})

t.test("growth() fails with the writer's error", async (t) => {
  const bytes = Buffer.from("abc")
  const writer = await ownerOf(t, bytes)
  await writer.write(bytes.subarray(0, 2))
  const reading = (async () => {
    let last = 0
    for await (const size of writer.growth()) last = size
    return last
  })().then((n) => `ended at ${n} bytes`, (e: unknown) => (e instanceof Error ? e.message : String(e)))
  writer.end(new Error("digest mismatch"))
  t.equal(await reading, "digest mismatch")
  await writer.abort()
})
