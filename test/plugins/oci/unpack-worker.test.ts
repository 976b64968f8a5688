/**
 * Unpacking runs off the main thread: a server whose main thread is busy
 * (or stopped in a long synchronous task) does not stop an add-on's layers
 * from being written, and the main thread's event loop is not what the
 * byte path waits on. With `inWorker: false` the same unpacker runs here.
 */
import t from "tap"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Readable } from "node:stream"
import * as zlib from "node:zlib"
import * as Effect from "effect/Effect"
import { unpackImage } from "../../../plugins/oci/mod.ts"
import { type EntrySpec, tarLayer } from "../../helpers/oci-image.ts"
import { sandbox } from "./_unpack.ts"

const FILES = 2000
const entries: Array<EntrySpec> = Array.from({ length: FILES }, (_, i) => ({
  path: `pkg${Math.floor(i / 20)}/file${i % 20}.js`,
  content: `module.exports = ${i}\n`.repeat(8)
}))
const last = entries[FILES - 1].path

/** Blocks this thread (no event loop, no callbacks) until `check` holds or `ms` pass; says which. */
function blockUntil(check: () => boolean, ms: number): boolean {
  const deadline = Date.now() + ms
  const cell = new Int32Array(new SharedArrayBuffer(4))
  while (!check()) {
    if (Date.now() > deadline) return false
    Atomics.wait(cell, 0, 0, 20)
  }
  return true
}

t.test("unpackImage() keeps writing a layer while the main thread is blocked", async (t) => {
  const sb = sandbox(t)
  const gz = zlib.gzipSync(await tarLayer(entries))
  let blocked: boolean | undefined
  const onProgress = () => {
    if (blocked !== undefined) return
    // The first report means the layer's bytes are being unpacked. Block this thread until its last file is
    // on disk: an unpack that needs this thread can never get there.
    const parent = dirname(sb.destination)
    blocked = blockUntil(() => readdirSync(parent).some((n) => n.includes("-tmp-") && existsSync(join(parent, n, last))), 60_000)
  }
  const result = await Effect.runPromise(unpackImage({
    destination: sb.destination,
    layers: [async () => ({ source: Readable.from([gz]), compression: "gzip", digest: "layer0" })],
    onProgress
  }))
  t.equal(blocked, true, "the last file was written while this thread was blocked")
  t.equal(result.layers[0].entries, FILES)
  t.equal(readFileSync(join(sb.destination, last), "utf8"), entries[FILES - 1].content)
})

t.test("unpackImage() with inWorker: false unpacks the same tree on this thread", async (t) => {
  const gz = zlib.gzipSync(await tarLayer(entries))
  const trees: Array<Array<string>> = []
  for (const inWorker of [true, false]) {
    const sb = sandbox(t)
    const result = await Effect.runPromise(unpackImage({
      destination: sb.destination,
      inWorker,
      layers: [async () => ({ source: Readable.from([gz]), compression: "gzip", digest: "layer0" })]
    }))
    t.equal(result.layers[0].entries, FILES, `inWorker: ${inWorker}`)
    trees.push(readdirSync(sb.destination, { recursive: true }).map(String).sort())
  }
  t.same(trees[1], trees[0])
})
