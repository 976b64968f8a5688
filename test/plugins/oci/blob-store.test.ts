import t from "tap"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { BlobStoreError, digestOf, fetchBlobs, makeBlobStore, makeRegistryClient, RegistryError } from "../../../plugins/oci/mod.ts"
import type { BlobStore, Descriptor, Digest } from "../../../plugins/oci/mod.ts"
import { route, send, startFake } from "./_fake-registry.ts"

function store(t: { teardown: (fn: () => void) => void }): BlobStore {
  const dir = mkdtempSync(join(tmpdir(), "flwd-blobs-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return makeBlobStore(dir)
}

const descriptor = (bytes: Uint8Array): Descriptor => ({ mediaType: "application/octet-stream", digest: digestOf(bytes), size: bytes.length })

async function* slowly(bytes: Uint8Array, fail?: Error): AsyncGenerator<Uint8Array> {
  await new Promise((r) => setTimeout(r, 20))
  yield bytes.subarray(0, 3)
  await new Promise((r) => setTimeout(r, 20))
  if (fail) throw fail
  yield bytes.subarray(3)
}

t.test("BlobStore.put() stores blobs under blobs/sha256/<hex> and read() verifies them", async (t) => {
  const s = store(t)
  const bytes = Buffer.from("hello blob")
  const digest = await Effect.runPromise(s.put(bytes))
  t.equal(digest, digestOf(bytes))
  t.equal(s.path(digest), join(s.dir, "blobs", "sha256", digest.slice(7)))
  t.same(Buffer.from(await Effect.runPromise(s.read(digest))), bytes)
  t.equal(await Effect.runPromise(s.has(digest)), true)
  t.equal(await Effect.runPromise(s.has(digest, 3)), false, "a wrong size is not a hit")
  t.equal(await Effect.runPromise(s.has(digest)), false, "and the bad file is gone")
  t.same(readdirSync(join(s.dir, "blobs", "tmp")), [])

  const again = await Effect.runPromise(s.put(bytes))
  writeFileSync(s.path(again), "tampered!!")
  const e = await Effect.runPromise(Effect.flip(s.read(again)))
  t.type(e, BlobStoreError)
  t.equal(e.reason, "corrupt")
  t.equal(await Effect.runPromise(s.has(again)), false, "a corrupt blob is removed")
})

t.test("BlobStore.ensure() fetches a blob once when asked twice at the same time", async (t) => {
  const s = store(t)
  const bytes = Buffer.from("shared layer bytes")
  let fetches = 0
  const fetch = () => {
    fetches++
    return slowly(bytes)
  }
  const [a, b] = await Effect.runPromise(Effect.all([s.ensure(descriptor(bytes), fetch), s.ensure(descriptor(bytes), fetch)], { concurrency: 2 }))
  t.equal(a, b)
  t.equal(fetches, 1)
  await Effect.runPromise(s.ensure(descriptor(bytes), fetch))
  t.equal(fetches, 1, "a cached blob is not fetched again")
})

t.test("BlobStore.ensure() keeps nothing from a failed fetch and lets a waiter retry", async (t) => {
  const s = store(t)
  const bytes = Buffer.from("layer that fails once")
  const failure = new RegistryError({ reason: "digest-mismatch", detail: "bad bytes" })
  let fetches = 0
  const fetch = () => (++fetches === 1 ? slowly(bytes, failure) : slowly(bytes))
  const [first, second] = await Effect.runPromise(Effect.all([
    Effect.either(s.ensure(descriptor(bytes), fetch)),
    Effect.either(s.ensure(descriptor(bytes), fetch))
  ], { concurrency: 2 }))
  t.equal(first._tag, "Left")
  t.equal(second._tag, "Right", "the waiter fetched it itself")
  t.equal(fetches, 2)
  t.same(readdirSync(join(s.dir, "blobs", "tmp")), [], "no temporary file left")
})

t.test("BlobStore.sweep(), list() and remove() manage the cache", async (t) => {
  const s = store(t)
  const d = await Effect.runPromise(s.put(Buffer.from("x")))
  mkdirSync(join(s.dir, "blobs", "tmp"), { recursive: true })
  writeFileSync(join(s.dir, "blobs", "tmp", "abc-crashed"), "partial")
  t.equal(await Effect.runPromise(s.sweep), 1)
  t.same(readdirSync(join(s.dir, "blobs", "tmp")), [])
  t.same(await Effect.runPromise(s.list), [d])
  await Effect.runPromise(s.remove(d))
  t.same(await Effect.runPromise(s.list), [])
})

t.test("fetchBlobs() fetches in parallel up to its bound, each blob once", async (t) => {
  const blobs = Array.from({ length: 6 }, (_, i) => Buffer.from(`blob number ${i}`.repeat(100)))
  let inFlight = 0
  let most = 0
  const fake = await startFake(
    t,
    route("GET", /^\/v2\/x\/blobs\//, async (req, res) => {
      const found = blobs.find((b) => req.url?.endsWith(digestOf(b)))
      if (found === undefined) return false
      most = Math.max(most, ++inFlight)
      await new Promise((r) => setTimeout(r, 30))
      inFlight--
      send(req, res, found)
    })
  )
  const client = makeRegistryClient({ dockerConfig: false })
  t.teardown(() => Effect.runPromise(client.close))
  const s = store(t)
  const repo = { registry: fake.host, repository: "x" }
  const descriptors = [...blobs, blobs[0]].map(descriptor)
  const paths = await Effect.runPromise(fetchBlobs(client, s, repo, descriptors, { concurrency: 2 }))
  t.equal(paths.length, 7)
  t.equal(paths[6], paths[0])
  t.ok(most <= 2, `at most 2 at once (saw ${most})`)
  t.equal(fake.requests.length, 6, "the repeated blob was fetched once")
  await Effect.runPromise(fetchBlobs(client, s, repo, descriptors))
  t.equal(fake.requests.length, 6, "cached blobs are not fetched again")
  t.same((await Effect.runPromise(s.list)).length, 6)
  t.ok(paths.every((p, i) => p === s.path(descriptors[i].digest as Digest)))
})
