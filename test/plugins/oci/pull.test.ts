import t, { type Test } from "tap"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import {
  addonRootfsPath,
  hostPlatform,
  makeBlobStore,
  makeRegistryClient,
  parseImageReference,
  pullImage,
  RegistryError,
  toProblem
} from "../../../plugins/oci/mod.ts"
import type { BlobStore, PulledImage, PullOptions, RegistryClient } from "../../../plugins/oci/mod.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { buildImage, layerBlob, pushImage, pushIndex, tarLayer } from "../../helpers/oci-image.ts"

function dataDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-pull-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function client(t: { teardown: (fn: () => unknown) => void }): RegistryClient {
  const c = makeRegistryClient({ dockerConfig: false })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

const pull = (c: RegistryClient, store: BlobStore, ref: string, extra: Partial<PullOptions> = {}): Promise<PulledImage> =>
  Effect.runPromise(pullImage(c, { ref: parseImageReference(ref), store, ...extra }))

const failure = (c: RegistryClient, store: BlobStore, ref: string, extra: Partial<PullOptions> = {}) =>
  Effect.runPromise(Effect.flip(pullImage(c, { ref: parseImageReference(ref), store, ...extra })))

/** Three layers: base files, then a whiteout and an opaque directory, uncompressed and gzip. */
async function layeredImage(format: "oci" | "docker") {
  const base = layerBlob(
    await tarLayer([
      { path: "flwd-addon/", type: "directory" },
      { path: "flwd-addon/manifest.yaml", content: "kind: AddOn\n" },
      { path: "etc/old.conf", content: "old" },
      { path: "etc/keep.conf", content: "keep" },
      { path: "opt/tool/a", content: "a" },
      { path: "opt/tool/b", content: "b" }
    ]),
    "gzip",
    format
  )
  const middle = layerBlob(
    await tarLayer([
      { path: "etc/.wh.old.conf", content: "" },
      { path: "opt/tool/.wh..wh..opq", content: "" },
      { path: "opt/tool/c", content: "c" }
    ]),
    "none",
    format
  )
  const top = layerBlob(
    await tarLayer([
      { path: "flwd-addon/jobs/hello-world/config.yaml", content: "command: ./run.sh\n" },
      { path: "flwd-addon/jobs/hello-world/run.sh", content: "#!/bin/sh\necho hello\n", mode: 0o755 }
    ]),
    "gzip",
    format
  )
  return buildImage([base, middle, top], { format })
}

function assertLayeredRootfs(t: Test, rootfs: string): void {
  t.equal(readFileSync(join(rootfs, "flwd-addon/manifest.yaml"), "utf8"), "kind: AddOn\n")
  t.same(readdirSync(join(rootfs, "etc")), ["keep.conf"], "whiteout removed etc/old.conf")
  t.same(readdirSync(join(rootfs, "opt/tool")), ["c"], "opaque directory hides a and b")
  t.equal(readFileSync(join(rootfs, "flwd-addon/jobs/hello-world/run.sh"), "utf8"), "#!/bin/sh\necho hello\n")
}

for (const format of ["oci", "docker"] as const) {
  t.test(`pullImage() unpacks a layered ${format} image with whiteouts`, async (t) => {
    const registry = await startRegistry(t)
    const image = await layeredImage(format)
    const digest = await pushImage(registry.url, "example/addon", "1.0.0", image)
    const dir = dataDir(t)
    const store = makeBlobStore(dir)
    const c = client(t)
    const events: Array<string> = []
    const pulled = await pull(c, store, `${registry.host}/example/addon:1.0.0`, {
      onProgress: (e) => events.push(e.type === "layer" ? `${e.index}:${e.state}` : e.type)
    })
    t.equal(pulled.digest, digest)
    t.equal(pulled.resolvedDigest, digest)
    t.equal(pulled.indexDigest, null)
    t.equal(pulled.rootfs, addonRootfsPath(dir, pulled.digest))
    t.equal(pulled.reused, false)
    t.equal(pulled.downloadedBytes, image.layers.reduce((n, l) => n + l.size, 0) + 0, "each layer downloaded once")
    assertLayeredRootfs(t, pulled.rootfs)
    for (const l of image.layers) t.ok(existsSync(store.path(l.digest as never)), `layer ${l.digest} cached`)
    t.ok(existsSync(store.path(image.config.digest as never)), "config cached")
    t.ok(existsSync(store.path(digest as never)), "manifest cached")
    t.same(readdirSync(join(dir, "blobs", "tmp")), [], "no temporary blob left")
    t.equal(events[0], "resolved")
    t.ok(events.includes("2:unpacked"))

    // Warm re-pull of the same digest: no blob is fetched again.
    const before = (await registry.requests()).filter((r) => r.path.includes("/blobs/")).length
    const again = await pull(c, store, `${registry.host}/example/addon@${digest}`)
    t.equal(again.reused, true)
    t.equal(again.downloadedBytes, 0)
    const after = (await registry.requests()).filter((r) => r.path.includes("/blobs/")).length
    t.equal(after, before, "no blob requests on a warm re-add")
  })
}

t.test("pullImage() unpacks from the cache into a new destination without downloading", async (t) => {
  const registry = await startRegistry(t)
  await pushImage(registry.url, "example/addon", "1", await layeredImage("oci"))
  const dir = dataDir(t)
  const store = makeBlobStore(dir)
  const c = client(t)
  await pull(c, store, `${registry.host}/example/addon:1`)
  const other = await pull(c, store, `${registry.host}/example/addon:1`, { destination: (d) => join(dir, "elsewhere", d) })
  t.equal(other.reused, false)
  t.equal(other.downloadedBytes, 0)
  assertLayeredRootfs(t, other.rootfs)
})

t.test("pullImage() fetches each blob once when two pulls race", async (t) => {
  const registry = await startRegistry(t)
  const image = await layeredImage("oci")
  await pushImage(registry.url, "example/addon", "1", image)
  const store = makeBlobStore(dataDir(t))
  const c = client(t)
  const [a, b] = await Promise.all([
    pull(c, store, `${registry.host}/example/addon:1`),
    pull(c, store, `${registry.host}/example/addon:1`)
  ])
  t.equal(a.rootfs, b.rootfs)
  assertLayeredRootfs(t, a.rootfs)
  const gets = (await registry.requests()).filter((r) => r.method === "GET" && r.path.includes("/blobs/") && r.status === 200)
  for (const l of image.layers) t.equal(gets.filter((r) => r.path.endsWith(l.digest)).length, 1, `layer ${l.digest} fetched once`)
})

t.test("pullImage() selects the platform from a multi-arch index", async (t) => {
  const registry = await startRegistry(t)
  const host = hostPlatform()
  const platforms = [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64", variant: "v8" },
    { os: "linux", architecture: "arm", variant: "v7" }
  ]
  if (!platforms.some((p) => p.architecture === host.architecture)) platforms.push({ os: "linux", architecture: host.architecture })
  const images = await Promise.all(
    platforms.map(async (p) => buildImage([layerBlob(await tarLayer([{ path: "arch", content: `${p.architecture}${p.variant ?? ""}` }]))], { platform: p }))
  )
  const indexDigest = await pushIndex(registry.url, "example/multi", "1", images)
  const store = makeBlobStore(dataDir(t))
  const c = client(t)

  const native = await pull(c, store, `${registry.host}/example/multi:1`)
  t.equal(native.indexDigest, indexDigest)
  t.equal(native.resolvedDigest, indexDigest)
  t.equal(readFileSync(join(native.rootfs, "arch"), "utf8").startsWith(host.architecture), true, "host platform by default")

  const arm64 = await pull(c, store, `${registry.host}/example/multi:1`, { platform: { os: "linux", architecture: "arm64" } })
  t.equal(readFileSync(join(arm64.rootfs, "arch"), "utf8"), "arm64v8", "arm64 matches variant v8 implicitly")
  const armv7 = await pull(c, store, `${registry.host}/example/multi:1`, { platform: { os: "linux", architecture: "arm", variant: "v7" } })
  t.equal(readFileSync(join(armv7.rootfs, "arch"), "utf8"), "armv7")

  const missing = await failure(c, store, `${registry.host}/example/multi:1`, { platform: { os: "linux", architecture: "s390x" } })
  t.equal(missing._tag, "RegistryError")
  t.equal((missing as RegistryError).reason, "platform-not-found")
  t.match((missing as RegistryError).detail, /linux\/arm64\/v8/)
})

t.test("pullImage() reports unknown manifests and repositories with the registry's code", async (t) => {
  const registry = await startRegistry(t)
  await pushImage(registry.url, "example/addon", "1", await layeredImage("oci"))
  const store = makeBlobStore(dataDir(t))
  const c = client(t)
  const ref = `${registry.host}/example/addon:nope`
  const tag = await failure(c, store, ref)
  t.type(tag, RegistryError)
  t.equal((tag as RegistryError).code, "MANIFEST_UNKNOWN")
  t.equal((tag as RegistryError).status, 404)
  t.equal((tag as RegistryError).reason, "not-found")
  const problem = toProblem(tag, ref)
  t.equal(problem.code, "E_OCI")
  t.equal(problem.status, 502)
  t.match(problem.detail, ref)
  t.match(problem.detail, "HTTP 404")
  t.match(problem.detail, "MANIFEST_UNKNOWN")
  t.notMatch(problem.detail, /\n\s+at /, "no stack trace")

  const repo = await Effect.runPromise(Effect.flip(c.tags({ registry: registry.host, repository: "example/none" })))
  t.equal(repo.code, "NAME_UNKNOWN")
  t.equal(repo.reason, "not-found")
})

t.test("RegistryClient.resolve() reads the digest with HEAD", async (t) => {
  const registry = await startRegistry(t)
  const image = await layeredImage("docker")
  const digest = await pushImage(registry.url, "example/addon", "2", image)
  const c = client(t)
  const d = await Effect.runPromise(c.resolve(parseImageReference(`${registry.host}/example/addon:2`)))
  t.equal(d.digest, digest)
  t.equal(d.mediaType, "application/vnd.docker.distribution.manifest.v2+json")
  t.equal(d.size, image.manifest.size)
  const heads = (await registry.requests()).filter((r) => r.path === "/v2/example/addon/manifests/2" && r.method !== "PUT")
  t.same(heads.map((r) => r.method), ["HEAD"], "one HEAD, no GET")
  const e = await Effect.runPromise(Effect.flip(c.resolve(parseImageReference(`${registry.host}/example/addon:missing`))))
  t.equal(e.code, "MANIFEST_UNKNOWN", "HEAD failures fall back to GET for the registry's code")
})

// This registry ignores `n` for tag lists; Link pagination is covered by faults.test.ts.
t.test("RegistryClient.tags() lists the tags of a repository", async (t) => {
  const registry = await startRegistry(t)
  const image = await layeredImage("oci")
  for (const tag of ["1.0.0", "1.1.0", "1.2.0", "2.0.0", "latest"]) await pushImage(registry.url, "example/addon", tag, image)
  const c = client(t)
  const all = await Effect.runPromise(c.tags({ registry: registry.host, repository: "example/addon" }))
  t.same([...all].sort(), ["1.0.0", "1.1.0", "1.2.0", "2.0.0", "latest"])
})
