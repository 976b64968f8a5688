/**
 * podman's and skopeo's auth files read like Docker's `config.json`, against
 * a real registry requiring Basic auth. Order: `$REGISTRY_AUTH_FILE`, else
 * `$XDG_RUNTIME_DIR/containers/auth.json`, then
 * `~/.config/containers/auth.json`, then Docker's `config.json`; the first
 * file with a credential for the registry wins.
 */
import t from "tap"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage, RegistryError } from "../../../plugins/oci/mod.ts"
import type { DockerConfigOptions, RegistryClient } from "../../../plugins/oci/mod.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { buildImage, layerBlob, tarLayer } from "../../helpers/oci-image.ts"

t.setTimeout(300_000)

function temp(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-podman-auth-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An htpasswd line; docker-registry only takes bcrypt. */
function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync("htpasswd", ["-nbB", user, password], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
  } catch {
    const hash = execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, "$2b$05$abcdefghijklmnopqrstuu"]).toString()
    return `${user}:${hash}`
  }
}

function client(t: { teardown: (fn: () => unknown) => void }, dockerConfig: DockerConfigOptions | false): RegistryClient {
  const c = makeRegistryClient({ dockerConfig })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

function authFile(path: string, host: string, user: string, password: string): void {
  mkdirSync(join(path, ".."), { recursive: true })
  writeFileSync(path, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } } }))
}

const registry = await startRegistry(t, { htpasswd: [htpasswdLine("alice", "s3cret")] })
const ref = `${registry.host}/team/addon:1`
{
  const img = await buildImage([layerBlob(await tarLayer([{ path: "hello", content: "hello" }]))])
  const repo = { registry: registry.host, repository: "team/addon" }
  const pusher = makeRegistryClient({ credentials: { [registry.host]: { username: "alice", password: "s3cret" } }, dockerConfig: false })
  t.teardown(() => Effect.runPromise(pusher.close))
  await Effect.runPromise(Effect.gen(function* () {
    for (const l of img.layers) yield* pusher.pushBlob(repo, l.bytes)
    yield* pusher.pushBlob(repo, img.config.bytes)
    yield* pusher.putManifest(repo, "1", img.manifest.bytes, img.manifest.mediaType)
  }))
}

const pull = async (c: RegistryClient, t: { teardown: (fn: () => void) => void }) =>
  Effect.runPromise(Effect.either(pullImage(c, { ref: parseImageReference(ref), store: makeBlobStore(temp(t)) })))

t.test("REGISTRY_AUTH_FILE is read like config.json", async (t) => {
  const home = temp(t)
  const file = join(temp(t), "auth.json")
  authFile(file, registry.host, "alice", "s3cret")
  const pulled = await pull(client(t, { env: { REGISTRY_AUTH_FILE: file }, home }), t)
  t.equal(pulled._tag, "Right", "pulled with the auth file's credential")
  if (pulled._tag === "Right") t.equal(readFileSync(join(pulled.right.rootfs, "hello"), "utf8"), "hello")
})

t.test("$XDG_RUNTIME_DIR/containers/auth.json, then ~/.config/containers/auth.json", async (t) => {
  const home = temp(t)
  const runtime = temp(t)
  authFile(join(home, ".config/containers/auth.json"), registry.host, "alice", "s3cret")
  t.equal((await pull(client(t, { env: {}, home }), t))._tag, "Right", "the user's auth.json")
  authFile(join(runtime, "containers/auth.json"), registry.host, "alice", "wrong")
  const first = await pull(client(t, { env: { XDG_RUNTIME_DIR: runtime }, home }), t)
  t.equal(first._tag, "Left", "the runtime file comes first")
  if (first._tag === "Left") t.equal((first.left as RegistryError).reason, "unauthorized")
})

t.test("a podman file before Docker's config.json; a malformed file is an error naming the file and field", async (t) => {
  const home = temp(t)
  authFile(join(home, ".docker/config.json"), registry.host, "alice", "s3cret")
  t.equal((await pull(client(t, { env: {}, home }), t))._tag, "Right", "Docker's config.json when no podman file")
  mkdirSync(join(home, ".config/containers"), { recursive: true })
  const podman = join(home, ".config/containers/auth.json")
  writeFileSync(podman, JSON.stringify({ auths: { [registry.host]: { auth: 42 } } }))
  const result = await pull(client(t, { env: {}, home }), t)
  if (result._tag !== "Left") return t.fail("a file that does not decode must not be passed over")
  t.ok(result.left instanceof RegistryError && result.left.reason === "credentials")
  t.match(result.left.message, `${podman}: auths[${JSON.stringify(registry.host)}].auth: Expected string, actual 42`)
})
