/**
 * Pushes the registry refuses: a real htpasswd registry without
 * credentials (401), and a tiny loopback fake for what the real one
 * cannot be made to do (5xx mid-upload, a lost upload session).
 */
import t from "tap"
import { execFileSync } from "node:child_process"
import type { IncomingMessage, ServerResponse } from "node:http"
import { packAddon } from "../../../plugins/addon/mod.ts"
import { rejection } from "../../helpers/engine.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { route, startFake } from "../oci/_fake-registry.ts"
import { fastRetry, scaffold } from "./_addon.ts"

/** An htpasswd line; docker-registry only takes bcrypt. */
function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync("htpasswd", ["-nbB", user, password], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
  } catch {
    const hash = execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, "$2b$05$abcdefghijklmnopqrstuu"]).toString()
    return `${user}:${hash}`
  }
}

const accepted = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(202, { location: `/v2/x/blobs/uploads/session-${Math.random().toString(36).slice(2)}`, "content-length": "0" })
  res.end()
}

const registryError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ errors: [{ code, message }] }))
}

t.test("a registry that wants credentials: E_OCI UNAUTHORIZED, nothing pushed", async (t) => {
  const registry = await startRegistry(t, { htpasswd: [htpasswdLine("alice", "s3cret")] })
  const dir = await scaffold(t)
  const e = await rejection(packAddon({ checkInterpreters: false, dir, tag: `${registry.host}/example/addon:1`, push: true, registry: fastRetry }))
  t.match(e, { code: "E_OCI", detail: /HTTP 401.*UNAUTHORIZED/ })
  t.notOk((await registry.requests()).some((r) => r.status >= 200 && r.status < 300 && r.method !== "GET"), "no request succeeded")
})

t.test("credentials for it: the push goes through", async (t) => {
  const registry = await startRegistry(t, { htpasswd: [htpasswdLine("alice", "s3cret")] })
  const dir = await scaffold(t)
  const packed = await packAddon({
    checkInterpreters: false,
    dir,
    tag: `${registry.host}/example/addon:1`,
    push: true,
    registry: { ...fastRetry, credentials: { [registry.host]: { username: "alice", password: "s3cret" } } }
  })
  t.match(packed.pushed, { blobs: { uploaded: 2 } })
})

t.test("5xx on every monolithic upload: retried, then a clear E_OCI", async (t) => {
  const fake = await startFake(
    t,
    route("POST", "/v2/x/blobs/uploads/", accepted),
    route("PUT", /^\/v2\/x\/blobs\/uploads\//, (_req, res) => registryError(res, 500, "UNKNOWN", "storage backend down"))
  )
  const dir = await scaffold(t)
  const e = await rejection(packAddon({ checkInterpreters: false, dir, tag: `${fake.host}/x:1`, push: true, registry: fastRetry, concurrency: 1 }))
  t.match(e, { code: "E_OCI", detail: /storage backend down \(HTTP 500, UNKNOWN, server\)/ })
  const puts = fake.requests.filter((r) => r.method === "PUT")
  t.equal(puts.length, 3, "the first try and two retries")
  t.notOk(fake.requests.some((r) => r.path.includes("/manifests/")), "no manifest without its blobs")
})

t.test("a 5xx that passes: the upload is retried and succeeds", async (t) => {
  let failures = 0
  const fake = await startFake(
    t,
    route("POST", "/v2/x/blobs/uploads/", accepted),
    route("PUT", /^\/v2\/x\/blobs\/uploads\//, (_req, res) => {
      if (failures++ < 1) return registryError(res, 503, "UNAVAILABLE", "try again")
      res.writeHead(201, { "content-length": "0" })
      res.end()
    }),
    route("PUT", /^\/v2\/x\/manifests\//, (_req, res) => {
      res.writeHead(201, { "content-length": "0" })
      res.end()
    })
  )
  const dir = await scaffold(t)
  const packed = await packAddon({ checkInterpreters: false, dir, tag: `${fake.host}/x:1`, push: true, registry: fastRetry, concurrency: 1 })
  t.match(packed.pushed, { blobs: { uploaded: 2 } })
  t.equal(fake.requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/")).length, 3)
})

t.test("5xx mid-way through a chunked upload: fresh sessions, then a clear E_OCI", async (t) => {
  let patches = 0
  const fake = await startFake(
    t,
    route("POST", "/v2/x/blobs/uploads/", accepted),
    route("PATCH", /^\/v2\/x\/blobs\/uploads\//, (_req, res) => {
      if (patches++ % 2 === 0) return accepted(_req, res)
      registryError(res, 502, "UNKNOWN", "bad gateway")
    }),
    route("PUT", /^\/v2\/x\/blobs\/uploads\//, (_req, res) => {
      res.writeHead(201, { "content-length": "0" })
      res.end()
    })
  )
  const dir = await scaffold(t)
  const e = await rejection(
    packAddon({ checkInterpreters: false, dir, tag: `${fake.host}/x:1`, push: true, registry: fastRetry, chunkSize: 256, concurrency: 1 })
  )
  t.match(e, { code: "E_OCI", detail: /bad gateway \(HTTP 502, UNKNOWN, server\)/ })
  const sessions = fake.requests.filter((r) => r.method === "POST" && !r.path.includes("mount"))
  t.ok(sessions.length >= 3, `the chunked upload started over (${sessions.length} sessions)`)
})

t.test("an upload session the registry lost (404 BLOB_UPLOAD_UNKNOWN): E_OCI, not retried", async (t) => {
  const fake = await startFake(
    t,
    route("POST", "/v2/x/blobs/uploads/", accepted),
    route("PUT", /^\/v2\/x\/blobs\/uploads\//, (_req, res) => registryError(res, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"))
  )
  const dir = await scaffold(t)
  const e = await rejection(packAddon({ checkInterpreters: false, dir, tag: `${fake.host}/x:1`, push: true, registry: fastRetry, concurrency: 1 }))
  t.match(e, { code: "E_OCI", detail: /HTTP 404, BLOB_UPLOAD_UNKNOWN/ })
  t.equal(fake.requests.filter((r) => r.method === "PUT").length, 1)
})
