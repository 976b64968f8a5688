/**
 * Registry auth against the real registry: `htpasswd` (Basic) and `token`
 * (Bearer, with the issuer in _token-issuer.ts); pushing uses the client's
 * own upload primitives.
 */
import t from "tap"
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage, RegistryError, toProblem } from "../../../plugins/oci/mod.ts"
import type { Digest, RegistryClient, RegistryOptions, Repository } from "../../../plugins/oci/mod.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { buildImage, type BuiltImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"
import { startTokenIssuer } from "./_token-issuer.ts"

function temp(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-auth-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An htpasswd line; docker-registry only takes bcrypt. */
function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync("htpasswd", ["-nbB", user, password], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
  } catch {
    // libxcrypt's crypt(3) does bcrypt; perl reaches it without extra packages.
    const hash = execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, "$2b$05$abcdefghijklmnopqrstuu"]).toString()
    if (!hash.startsWith("$2b$")) throw new Error("no bcrypt available: install apache2-utils (htpasswd)")
    return `${user}:${hash}`
  }
}

function client(t: { teardown: (fn: () => unknown) => void }, options: RegistryOptions = {}): RegistryClient {
  const c = makeRegistryClient({ dockerConfig: false, ...options })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

async function image(): Promise<BuiltImage> {
  return buildImage([
    layerBlob(await tarLayer([{ path: "hello", content: "hello" }])),
    layerBlob(await tarLayer([{ path: "world", content: "world".repeat(1000) }]))
  ])
}

/** Pushes with the client: monolithic, chunked and mounted uploads, then the manifest. */
async function push(c: RegistryClient, repo: Repository, tag: string, img: BuiltImage): Promise<void> {
  const [first, second] = img.layers
  await Effect.runPromise(Effect.gen(function* () {
    yield* c.pushBlob(repo, first.bytes)
    const session = yield* c.startUpload(repo)
    const half = Math.floor(second.bytes.length / 2)
    const next = yield* c.patchUpload(repo, session, second.bytes.subarray(0, half), 0)
    const last = yield* c.patchUpload(repo, next, second.bytes.subarray(half), half)
    yield* c.finishUpload(repo, last, second.digest as Digest)
    yield* c.pushBlob(repo, img.config.bytes)
    yield* c.putManifest(repo, tag, img.manifest.bytes, img.manifest.mediaType)
  }))
}

const pull = (c: RegistryClient, ref: string, dir: string) => Effect.runPromise(pullImage(c, { ref: parseImageReference(ref), store: makeBlobStore(dir) }))

const pullError = (c: RegistryClient, ref: string, dir: string) =>
  Effect.runPromise(Effect.flip(pullImage(c, { ref: parseImageReference(ref), store: makeBlobStore(dir) })))

t.test("Basic auth: htpasswd registry", async (t) => {
  const registry = await startRegistry(t, { htpasswd: [htpasswdLine("alice", "s3cret")] })
  const repo = { registry: registry.host, repository: "team/addon" }
  const ref = `${registry.host}/team/addon:1`
  const img = await image()
  await push(client(t, { credentials: { [registry.host]: { username: "alice", password: "s3cret" } } }), repo, "1", img)

  t.test("anonymous access is refused with the registry's code", async (t) => {
    const e = await pullError(client(t), ref, temp(t))
    t.type(e, RegistryError)
    t.equal((e as RegistryError).reason, "unauthorized")
    t.equal((e as RegistryError).status, 401)
    t.equal((e as RegistryError).code, "UNAUTHORIZED")
    t.match(toProblem(e, ref).detail, /HTTP 401, UNAUTHORIZED/)
  })

  t.test("a wrong password is refused", async (t) => {
    const e = await pullError(client(t, { credentials: { [registry.host]: { username: "alice", password: "nope" } } }), ref, temp(t))
    t.equal((e as RegistryError).reason, "unauthorized")
  })

  t.test("explicit credentials pull", async (t) => {
    const pulled = await pull(client(t, { credentials: { [registry.host]: { username: "alice", password: "s3cret" } } }), ref, temp(t))
    t.equal(readFileSync(join(pulled.rootfs, "hello"), "utf8"), "hello")
    t.equal(pulled.digest, img.manifest.digest)
  })

  t.test("credentials from config.json auths pull", async (t) => {
    const dir = temp(t)
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from("alice:s3cret").toString("base64") } } })
    )
    const pulled = await pull(client(t, { dockerConfig: { path: join(dir, "config.json") } }), ref, temp(t))
    t.equal(readFileSync(join(pulled.rootfs, "hello"), "utf8"), "hello")
  })

  t.test("credentials from a credential helper pull (credHelpers and credsStore)", async (t) => {
    const dir = temp(t)
    const bin = join(dir, "bin")
    mkdirSync(bin)
    const helper = join(bin, "docker-credential-flwdtest")
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${registry.host}" ] || exit 1\necho '{"ServerURL":"'$server'","Username":"alice","Secret":"s3cret"}'\n`
    )
    chmodSync(helper, 0o755)
    for (const config of [{ credHelpers: { [registry.host]: "flwdtest" } }, { credsStore: "flwdtest", auths: { [registry.host]: {} } }]) {
      writeFileSync(join(dir, "config.json"), JSON.stringify(config))
      const pulled = await pull(client(t, { dockerConfig: { path: join(dir, "config.json"), helperPath: bin } }), ref, temp(t))
      t.equal(readFileSync(join(pulled.rootfs, "world"), "utf8").length, 5000, Object.keys(config)[0])
    }
  })
})

t.test("Bearer auth: token registry", async (t) => {
  const issuer = await startTokenIssuer(t, { users: { alice: "s3cret" }, refreshTokens: { "identity-abc": "alice" } })
  const registry = await startRegistry(t, { token: issuer })
  const repo = { registry: registry.host, repository: "team/addon" }
  const ref = `${registry.host}/team/addon:1`
  const img = await image()
  const alice = client(t, { credentials: { [registry.host]: { username: "alice", password: "s3cret" } } })
  await push(alice, repo, "1", img)

  t.test("ping() reports the Bearer challenge", async (t) => {
    const ping = await Effect.runPromise(client(t).ping(registry.host))
    t.equal(ping.status, 401)
    t.same(ping.challenges.map((c) => [c.scheme, c.params.realm, c.params.service]), [["bearer", issuer.realm, issuer.service]])
  })

  t.test("a blob is mounted from another repository", async (t) => {
    const other = { registry: registry.host, repository: "team/other" }
    const mounted = await Effect.runPromise(alice.mountBlob(other, "team/addon", img.layers[0].digest as Digest))
    t.equal(mounted.mounted, true)
    t.equal(await Effect.runPromise(alice.blobSize(other, img.layers[0].digest)), img.layers[0].size)
    const missing = await Effect.runPromise(alice.mountBlob(other, "team/addon", `sha256:${"0".repeat(64)}` as Digest))
    t.equal(missing.mounted, false, "an unknown blob starts an upload instead")
    t.ok(missing.session instanceof URL)
    t.equal(await Effect.runPromise(alice.blobSize(other, `sha256:${"0".repeat(64)}`)), null)
  })

  t.test("anonymous pull gets one token for its scope", async (t) => {
    const before = issuer.requests.length
    const pulled = await pull(client(t), ref, temp(t))
    t.equal(readFileSync(join(pulled.rootfs, "hello"), "utf8"), "hello")
    const asked = issuer.requests.slice(before)
    t.same(asked.map((r) => [r.scopes, r.user]), [[["repository:team/addon:pull"], null]], "one token, cached for every request")
  })

  t.test("anonymous push is refused", async (t) => {
    const e = await Effect.runPromise(Effect.flip(client(t).pushBlob(repo, Buffer.from("x"))))
    t.type(e, RegistryError)
    t.ok(e.reason === "unauthorized" || e.reason === "denied", e.reason)
    t.equal(e.status, 401)
  })

  t.test("wrong credentials fail at the token endpoint", async (t) => {
    const e = await pullError(client(t, { credentials: { [registry.host]: { username: "alice", password: "nope" } } }), ref, temp(t))
    t.equal((e as RegistryError).reason, "unauthorized")
    t.match((e as RegistryError).detail, /token request refused: incorrect username or password/)
  })

  t.test("an identity token from config.json is exchanged with the OAuth2 grant", async (t) => {
    const dir = temp(t)
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [registry.host]: { identitytoken: "identity-abc" } } }))
    const before = issuer.requests.length
    await push(client(t, { dockerConfig: { path: join(dir, "config.json") } }), { registry: registry.host, repository: "team/third" }, "1", img)
    t.ok(issuer.requests.slice(before).every((r) => r.method === "POST" && r.grant === "refresh_token" && r.user === "alice"))
    const pulled = await pull(client(t), `${registry.host}/team/third:1`, temp(t))
    t.equal(readFileSync(join(pulled.rootfs, "hello"), "utf8"), "hello")
  })
})
