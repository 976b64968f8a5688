/**
 * The transport wrappers against a fake registry: Bearer tokens cached and
 * refreshed once (401, or 400 as some registries answer), redirects that
 * must not carry `Authorization` to another host, plain http refused.
 */
import t from "tap"
import type { IncomingMessage, ServerResponse } from "node:http"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { digestOf, layer, makeBlobStore, makeRegistryClient, parseImageReference, pullImage, Registry, RegistryError } from "../../../plugins/oci/mod.ts"
import type { RegistryClient, RegistryOptions } from "../../../plugins/oci/mod.ts"
import { buildImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"
import { type FakeRegistry, type Handler, route, send, serveImage, startFake } from "./_fake-registry.ts"

function client(t: { teardown: (fn: () => unknown) => void }, options: RegistryOptions = {}): RegistryClient {
  const c = makeRegistryClient({ dockerConfig: false, retry: { baseDelayMs: 5 }, ...options })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

function dataDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-transport-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A token endpoint handing out `t1`, `t2`, … and a gate accepting only `valid` tokens. */
function bearer(realm: () => string, valid: (token: string, req: IncomingMessage) => boolean | "stale") {
  let issued = 0
  const tokenRequests: Array<string> = []
  const token: Handler = route("GET", "/token", (req, res) => {
    tokenRequests.push(new URL(req.url ?? "", "http://x").searchParams.getAll("scope").join(" "))
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ token: `t${++issued}`, expires_in: 3600 }))
  })
  const gate: Handler = (req, res) => {
    if (!(req.url ?? "").startsWith("/v2/")) return false
    const sent = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]
    const verdict = sent === undefined ? false : valid(sent, req)
    if (verdict === true) return false
    if (verdict === "stale") {
      res.writeHead(400, { "content-type": "application/json" })
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "token expired" }] }))
      return true
    }
    res.writeHead(401, {
      "content-type": "application/json",
      "www-authenticate": `Bearer realm="${realm()}",service="fake",scope="repository:x:pull"`
    })
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }))
    return true
  }
  return { token, gate, tokenRequests }
}

async function image() {
  return buildImage([layerBlob(await tarLayer([{ path: "f", content: "content" }]))])
}

t.test("withAuth() caches a token per scope across requests", async (t) => {
  const img = await image()
  // Assigned once the fake is up: the token realm above reads it later.
  // deno-lint-ignore prefer-const
  let fake!: FakeRegistry
  const auth = bearer(() => `${fake.url}/token`, (token) => token === "t1")
  fake = await startFake(t, auth.token, auth.gate, serveImage("x", "1", img))
  const pulled = await Effect.runPromise(pullImage(client(t), { ref: parseImageReference(`${fake.host}/x:1`), store: makeBlobStore(dataDir(t)) }))
  t.equal(readFileSync(join(pulled.rootfs, "f"), "utf8"), "content")
  t.same(auth.tokenRequests, ["repository:x:pull"], "one token for the whole pull")
})

t.test("withAuth() refreshes a token the registry calls stale, once", async (t) => {
  const img = await image()
  for (const stale of ["stale", false] as const) {
    // Assigned once the fake is up: the token realm above reads it later.
    // deno-lint-ignore prefer-const
    let fake!: FakeRegistry
    let manifestCalls = 0
    // t1 works for the first manifest request only; afterwards only t2 is accepted.
    const auth = bearer(() => `${fake.url}/token`, (token, req) => {
      if ((req.url ?? "").includes("/manifests/")) manifestCalls++
      if (token === "t1") return manifestCalls <= 1 ? true : stale
      return token === "t2"
    })
    fake = await startFake(t, auth.token, auth.gate, serveImage("x", "1", img))
    const c = client(t)
    const repo = { registry: fake.host, repository: "x" }
    await Effect.runPromise(c.manifest(repo, "1"))
    const again = await Effect.runPromise(c.manifest(repo, "1"))
    t.equal(again.kind, "manifest", stale === "stale" ? "400 refreshes" : "401 refreshes")
    t.equal(auth.tokenRequests.length, 2)
  }
})

t.test("withAuth() does not loop when the registry keeps refusing", async (t) => {
  // Assigned once the fake is up: the token realm above reads it later.
  // deno-lint-ignore prefer-const
  let fake!: FakeRegistry
  const auth = bearer(() => `${fake.url}/token`, () => false)
  fake = await startFake(t, auth.token, auth.gate)
  const e = await Effect.runPromise(Effect.flip(client(t).manifest({ registry: fake.host, repository: "x" }, "1")))
  t.equal(e.reason, "unauthorized")
  t.equal(e.code, "UNAUTHORIZED")
  t.equal(fake.requests.filter((r) => r.path.startsWith("/v2/")).length, 2, "one try with a fresh token")
})

t.test("withRedirects() does not send Authorization to another host", async (t) => {
  const img = await image()
  const layer = img.layers[0]
  const storage = await startFake(t, route("GET", "/object", (req, res) => send(req, res, layer.bytes)))
  // Assigned once the fake is up: the token realm above reads it later.
  // deno-lint-ignore prefer-const
  let fake!: FakeRegistry
  const auth = bearer(() => `${fake.url}/token`, (token) => token === "t1")
  const redirect: Handler = route("GET", `/v2/x/blobs/${layer.digest}`, (_req, res: ServerResponse) => {
    res.writeHead(307, { location: `${storage.url}/object` })
    res.end()
  })
  fake = await startFake(t, auth.token, auth.gate, redirect, serveImage("x", "1", img))
  const pulled = await Effect.runPromise(pullImage(client(t), { ref: parseImageReference(`${fake.host}/x:1`), store: makeBlobStore(dataDir(t)) }))
  t.equal(readFileSync(join(pulled.rootfs, "f"), "utf8"), "content")
  const blobAsked = fake.requests.filter((r) => r.path === `/v2/x/blobs/${layer.digest}`)
  t.equal(blobAsked.at(-1)?.headers.authorization, "Bearer t1", "the registry got the token")
  t.equal(storage.requests.length, 1)
  t.equal(storage.requests[0].headers.authorization, undefined, "the storage host did not")
})

t.test("withRedirects() refuses plain http to a host not listed as insecure", async (t) => {
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", (_req, res) => {
      res.writeHead(302, { location: "http://128.0.0.1:9/v2/x/manifests/1" })
      res.end()
    })
  )
  const e = await Effect.runPromise(Effect.flip(client(t).manifest({ registry: fake.host, repository: "x" }, "1")))
  t.type(e, RegistryError)
  t.equal(e.reason, "insecure")
})

t.test("withRedirects() stops after too many redirects", async (t) => {
  const fake = await startFake(
    t,
    route("GET", "/v2/x/manifests/1", (_req, res) => {
      res.writeHead(302, { location: "/v2/x/manifests/1" })
      res.end()
    })
  )
  const e = await Effect.runPromise(Effect.flip(client(t).manifest({ registry: fake.host, repository: "x" }, "1")))
  t.equal(e.reason, "protocol")
  t.match(e.detail, /redirects/)
})

t.test("withUserAgent() names flwd on every request", async (t) => {
  const fake = await startFake(t)
  await Effect.runPromise(Effect.either(client(t).manifest({ registry: fake.host, repository: "x" }, "1")))
  await Effect.runPromise(Effect.either(client(t, { userAgent: "custom/1" }).manifest({ registry: fake.host, repository: "x" }, "1")))
  t.same(fake.requests.map((r) => r.headers["user-agent"]), ["flwd/0.1.0", "custom/1"])
})

t.test("Registry layer provides a client whose blob() stream verifies content", async (t) => {
  const good = Buffer.from("stream me".repeat(1000))
  const descriptor = { mediaType: "application/octet-stream", digest: digestOf(good), size: good.length }
  let forge = false
  const fake = await startFake(
    t,
    route("GET", `/v2/x/blobs/${descriptor.digest}`, (req, res) => send(req, res, forge ? Buffer.from("STREAM ME".repeat(1000)) : good))
  )
  const repo = { registry: fake.host, repository: "x" }
  const program = Effect.gen(function* () {
    const registry = yield* Registry
    return yield* Stream.runCollect(registry.blob(repo, descriptor))
  }).pipe(Effect.provide(layer({ dockerConfig: false })))
  const chunks = await Effect.runPromise(program)
  t.same(Buffer.concat(Chunk.toArray(chunks)), good)
  forge = true
  const e = await Effect.runPromise(Effect.flip(program))
  t.equal(e.reason, "digest-mismatch")
})
