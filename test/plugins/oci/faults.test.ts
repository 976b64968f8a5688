/**
 * A registry that misbehaves (served by _fake-registry.ts): content that does
 * not match its digest, lying sizes, oversized manifests, 5xx and 429,
 * dropped connections, hangs. Each pull must fail cleanly or recover, and
 * never leave a rootfs, a cached blob or a temporary file behind on failure.
 */
import t, { type Test } from "tap"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage, RegistryError, toProblem, UnpackError } from "../../../plugins/oci/mod.ts"
import type { BlobStore, RegistryClient, RegistryOptions } from "../../../plugins/oci/mod.ts"
import { buildImage, type BuiltImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"
import { route, send, serveImage, startFake } from "./_fake-registry.ts"

const fast: RegistryOptions = { dockerConfig: false, retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 3000 } }

function client(t: { teardown: (fn: () => unknown) => void }, options: RegistryOptions = {}): RegistryClient {
  const c = makeRegistryClient({ ...fast, ...options })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

function store(t: { teardown: (fn: () => void) => void }): BlobStore {
  const dir = mkdtempSync(join(tmpdir(), "flwd-faults-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return makeBlobStore(dir)
}

/** One layer of incompressible bytes, large enough to arrive in several chunks. */
async function bigImage(): Promise<BuiltImage> {
  return buildImage([layerBlob(await tarLayer([{ path: "data", content: randomBytes(1024 * 1024) }, { path: "ok", content: "ok" }]))])
}

const pullError = (c: RegistryClient, s: BlobStore, ref: string) => Effect.runPromise(Effect.flip(pullImage(c, { ref: parseImageReference(ref), store: s })))
const pull = (c: RegistryClient, s: BlobStore, ref: string) => Effect.runPromise(pullImage(c, { ref: parseImageReference(ref), store: s }))

/** After a failed pull: no rootfs, no layer in the cache, no temporary file. */
function assertClean(t: Test, s: BlobStore, img: BuiltImage): void {
  for (const l of img.layers) t.notOk(existsSync(s.path(l.digest as never)), "layer not cached")
  t.same(readdirSync(join(s.dir, "blobs", "tmp")), [], "no temporary blob")
  const addons = join(s.dir, "addons")
  const leftovers = existsSync(addons) ? readdirSync(addons).flatMap((d) => readdirSync(join(addons, d))) : []
  t.same(leftovers, [], "no rootfs and no temporary unpack directory")
}

t.test("pullImage() rejects a blob whose bytes do not match its digest", async (t) => {
  const img = buildImage([layerBlob(await tarLayer([{ path: "a", content: "a".repeat(4096) }]))])
  // Same size, valid gzip of a valid tar, other content: only the digest tells.
  const forged = layerBlob(await tarLayer([{ path: "a", content: "b".repeat(4096) }]))
  t.equal(forged.size, img.layers[0].size)
  const fake = await startFake(t, route("GET", `/v2/x/blobs/${img.layers[0].digest}`, (req, res) => send(req, res, forged.bytes)), serveImage("x", "1", img))
  const s = store(t)
  const e = await pullError(client(t), s, `${fake.host}/x:1`)
  t.type(e, RegistryError)
  t.equal((e as RegistryError).reason, "digest-mismatch")
  t.match(toProblem(e, `${fake.host}/x:1`).detail, /digest-mismatch/)
  assertClean(t, s, img)
})

t.test("pullImage() rejects a manifest that lies about sizes", async (t) => {
  const img = await bigImage()
  const layer = img.layers[0]
  for (const [label, size] of [["smaller", layer.size - 100], ["larger", layer.size + 100]] as const) {
    const lying = buildImage([{ ...layer, size }])
    const fake = await startFake(t, serveImage("x", "1", { ...lying, layers: [layer] }))
    const s = store(t)
    const e = await pullError(client(t), s, `${fake.host}/x:1`)
    t.equal((e as RegistryError).reason, "size-mismatch", label)
    assertClean(t, s, lying)
  }
  // Without Content-Length the size is only known by counting.
  const chunked = buildImage([{ ...layer, size: layer.size - 100 }])
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${layer.digest}`, (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" })
      res.end(layer.bytes)
    }),
    serveImage("x", "1", chunked)
  )
  const e = await pullError(client(t), store(t), `${fake.host}/x:1`)
  t.equal((e as RegistryError).reason, "size-mismatch", "counted")
})

t.test("RegistryClient.manifest() refuses a 50 MB manifest", async (t) => {
  const big = 50 * 1024 * 1024
  let streamed = 0
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/declared", (_req, res) => {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json", "content-length": String(big) })
      res.end()
    }),
    route("GET", "/v2/x/manifests/chunked", (_req, res) => {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const pump = () => {
        while (streamed < big && !res.destroyed) {
          streamed += chunk.length
          if (!res.write(chunk)) return void res.once("drain", pump)
        }
        res.end()
      }
      res.on("close", () => (streamed = big))
      pump()
    })
  )
  const c = client(t)
  const repo = { registry: fake.host, repository: "x" }
  const declared = await Effect.runPromise(Effect.flip(c.manifest(repo, "declared")))
  t.equal(declared.reason, "too-large")
  t.match(declared.detail, /Content-Length 52428800/)
  const chunked = await Effect.runPromise(Effect.flip(c.manifest(repo, "chunked")))
  t.equal(chunked.reason, "too-large")
})

t.test("pullImage() retries 500s and then succeeds", async (t) => {
  const img = await bigImage()
  let failures = 2
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", (_req, res) => {
      if (failures-- <= 0) return false
      res.writeHead(500, { "content-type": "application/json" })
      res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "boom" }] }))
    }),
    serveImage("x", "1", img)
  )
  const pulled = await pull(client(t), store(t), `${fake.host}/x:1`)
  t.equal(readFileSync(join(pulled.rootfs, "ok"), "utf8"), "ok")
  t.equal(fake.requests.filter((r) => r.path === "/v2/x/manifests/1").length, 3)
})

t.test("pullImage() gives up on a registry that stays unavailable", async (t) => {
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", (_req, res) => {
      res.writeHead(503, { "content-type": "application/json" })
      res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "maintenance" }] }))
    })
  )
  const e = await pullError(client(t, { retry: { retries: 2, baseDelayMs: 5 } }), store(t), `${fake.host}/x:1`)
  t.equal((e as RegistryError).reason, "server")
  t.equal((e as RegistryError).status, 503)
  t.equal((e as RegistryError).code, "UNAVAILABLE")
  t.equal(fake.requests.length, 3, "one try and two retries")
})

t.test("pullImage() honours 429 Retry-After", async (t) => {
  const img = await bigImage()
  let limited = 1
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", (_req, res) => {
      if (limited-- <= 0) return false
      res.writeHead(429, { "content-type": "application/json", "retry-after": "1" })
      res.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }))
    }),
    serveImage("x", "1", img)
  )
  await pull(client(t), store(t), `${fake.host}/x:1`)
  t.equal(fake.requests.filter((r) => r.path === "/v2/x/manifests/1").length, 2)

  const always = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", (_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "0" })
      res.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }))
    })
  )
  const e = await pullError(client(t, { retry: { retries: 1 } }), store(t), `${always.host}/x:1`)
  t.equal((e as RegistryError).reason, "rate-limited")
  t.match(toProblem(e, `${always.host}/x:1`).detail, /HTTP 429, TOOMANYREQUESTS/)
})

t.test("pullImage() resumes a dropped blob download with Range", async (t) => {
  const img = await bigImage()
  const layer = img.layers[0]
  const half = Math.floor(layer.size / 2)
  for (const honourRange of [true, false]) {
    let dropped = false
    const fake = await startFake(
      t,
      route("GET", `/v2/x/blobs/${layer.digest}`, (req, res) => {
        if (!dropped) {
          dropped = true
          res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(layer.size) })
          // Half the body, then the connection ends: the client sees a short body.
          res.write(layer.bytes.subarray(0, half), () => res.socket?.end())
          return
        }
        if (honourRange) send(req, res, layer.bytes)
        else send({ ...req, headers: {} } as typeof req, res, layer.bytes)
      }),
      serveImage("x", "1", img)
    )
    const s = store(t)
    const pulled = await pull(client(t), s, `${fake.host}/x:1`)
    t.equal(readFileSync(join(pulled.rootfs, "ok"), "utf8"), "ok", honourRange ? "206 resume" : "200 resume")
    t.ok(existsSync(s.path(layer.digest as never)), "verified blob cached")
    const gets = fake.requests.filter((r) => r.path === `/v2/x/blobs/${layer.digest}`)
    t.equal(gets.length, 2)
    t.match(gets[1].headers.range, /^bytes=[1-9]\d*-$/, "second request asks for the rest")
  }
})

t.test("pullImage() times out on a registry that hangs", async (t) => {
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", () => {
      // Never answer.
    })
  )
  const e = await pullError(client(t, { timeouts: { idleMs: 300 }, retry: { retries: 1, baseDelayMs: 5 } }), store(t), `${fake.host}/x:1`)
  t.equal((e as RegistryError).reason, "timeout")
  t.equal(fake.requests.length, 2, "retried once")
})

t.test("pullImage() resumes a blob whose body stalls", async (t) => {
  const img = await bigImage()
  const layer = img.layers[0]
  let stalled = false
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${layer.digest}`, (req, res) => {
      if (stalled) return send(req, res, layer.bytes)
      stalled = true
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(layer.size) })
      res.write(layer.bytes.subarray(0, 1000))
    }),
    serveImage("x", "1", img)
  )
  const pulled = await pull(client(t, { timeouts: { idleMs: 300 } }), store(t), `${fake.host}/x:1`)
  t.equal(readFileSync(join(pulled.rootfs, "ok"), "utf8"), "ok")
  t.match(fake.requests.filter((r) => r.path.includes("/blobs/sha256")).at(-1)?.headers.range, /^bytes=1000-$/)
})

t.test("RegistryClient.manifest() validates what it gets", async (t) => {
  const img = await bigImage()
  const bad = (mediaType: string, body: string) => (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(200, { "content-type": mediaType })
    res.end(body)
  }
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/no-config", bad("application/vnd.oci.image.manifest.v1+json", JSON.stringify({ schemaVersion: 2, layers: [] }))),
    route("GET", "/v2/x/manifests/not-json", bad("application/vnd.oci.image.manifest.v1+json", "<html>")),
    route("GET", "/v2/x/manifests/schema1", bad("application/vnd.docker.distribution.manifest.v1+prettyjws", JSON.stringify({ schemaVersion: 1 }))),
    route(
      "GET",
      "/v2/x/manifests/bad-digest",
      bad(
        "application/vnd.oci.image.manifest.v1+json",
        JSON.stringify({ schemaVersion: 2, config: { mediaType: "x", digest: "sha256:abc", size: 1 }, layers: [] })
      )
    ),
    route("GET", `/v2/x/manifests/${img.config.digest}`, (req, res) => send(req, res, img.manifest.bytes, img.manifest.mediaType))
  )
  const c = client(t)
  const repo = { registry: fake.host, repository: "x" }
  const reason = async (ref: string) => (await Effect.runPromise(Effect.flip(c.manifest(repo, ref)))).reason
  t.equal(await reason("no-config"), "invalid-manifest")
  t.equal(await reason("not-json"), "invalid-manifest")
  t.equal(await reason("schema1"), "unsupported-media-type")
  t.equal(await reason("bad-digest"), "invalid-manifest")
  t.equal(await reason(img.config.digest), "digest-mismatch", "bytes fetched by digest must hash to it")
})

t.test("pullImage() refuses unknown layer media types before downloading", async (t) => {
  const img = await bigImage()
  const odd = buildImage([{ ...img.layers[0], mediaType: "application/vnd.example.not-a-layer" }])
  const fake = await startFake(t, serveImage("x", "1", { ...odd, layers: img.layers }))
  const e = await pullError(client(t), store(t), `${fake.host}/x:1`)
  t.type(e, UnpackError)
  t.equal((e as UnpackError).reason, "unsupported-media-type")
  t.notOk(fake.requests.some((r) => r.path.includes(img.layers[0].digest)), "layer never requested")
})

t.test("RegistryClient.tags() follows Link pagination", async (t) => {
  const all = ["a", "b", "c", "d", "e"]
  const fake = await startFake(
    t,
    route("GET", "/v2/x/tags/list", (req, res) => {
      const url = new URL(req.url ?? "", "http://x")
      const n = Number(url.searchParams.get("n"))
      const last = url.searchParams.get("last")
      const start = last === null ? 0 : all.indexOf(last) + 1
      const page = all.slice(start, start + n)
      const headers: Record<string, string> = { "content-type": "application/json" }
      if (start + n < all.length) headers.link = `</v2/x/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`
      res.writeHead(200, headers)
      res.end(JSON.stringify({ name: "x", tags: page }))
    })
  )
  const tags = await Effect.runPromise(client(t).tags({ registry: fake.host, repository: "x" }, { pageSize: 2 }))
  t.same(tags, all)
  t.equal(fake.requests.length, 3)
})
