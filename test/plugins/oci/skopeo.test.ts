/**
 * Images built by independent producers: `umoci` (and GNU tar for an opaque
 * directory) writes an OCI layout, `skopeo copy` pushes it as OCI (gzip and
 * zstd layers) and as docker v2s2; a multi-arch index is put over two.
 */
import t, { type Test } from "tap"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import * as Effect from "effect/Effect"
import { hasZstd, makeBlobStore, makeRegistryClient, parseImageReference, pullImage } from "../../../plugins/oci/mod.ts"
import type { RegistryClient } from "../../../plugins/oci/mod.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { pushManifest, sha256 } from "../../helpers/oci-image.ts"

const run = promisify(execFile)

function temp(t: { teardown: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

/**
 * An OCI layout `<dir>/img:<tag>` of three layers: two made by `umoci repack`
 * (the second deletes a file, so it carries a whiteout) and one made by GNU
 * tar with an opaque-directory marker, added by `umoci raw add-layer`. (umoci
 * 0.4's `insert` writes tars without their final padding, which GNU tar and
 * flwd both reject as truncated, so it is not used.)
 */
async function umociImage(dir: string, tag: string, arch: string): Promise<void> {
  const layout = join(dir, "img")
  const image = `${layout}:${tag}`
  const bundle = join(dir, `bundle-${tag}`)
  if (!readdirSync(dir).includes("img")) await run("umoci", ["init", "--layout", layout])
  await run("umoci", ["new", "--image", image])
  await run("umoci", ["unpack", "--rootless", "--image", image, bundle])
  write(join(bundle, "rootfs"), {
    "flwd-addon/manifest.yaml": "kind: AddOn\n",
    "etc/old.conf": "old",
    "etc/keep.conf": "keep",
    "opt/tool/a": "a",
    "opt/tool/b": "b",
    "arch": arch
  })
  await run("umoci", ["repack", "--image", image, bundle])
  rmSync(bundle, { recursive: true, force: true })
  await run("umoci", ["unpack", "--rootless", "--image", image, bundle])
  rmSync(join(bundle, "rootfs/etc/old.conf"))
  write(join(bundle, "rootfs"), { "etc/new.conf": "new" })
  await run("umoci", ["repack", "--image", image, bundle])
  const opaque = join(dir, `opaque-${tag}`)
  write(opaque, { "opt/tool/.wh..wh..opq": "", "opt/tool/c": "c" })
  await run("tar", ["-cf", join(dir, `opaque-${tag}.tar`), "-C", opaque, "opt"])
  await run("umoci", ["raw", "add-layer", "--image", image, join(dir, `opaque-${tag}.tar`)])
  await run("umoci", ["config", "--image", image, "--os", "linux", "--architecture", arch])
}

async function skopeoCopy(dir: string, tag: string, dest: string, extra: ReadonlyArray<string> = []): Promise<void> {
  const policy = join(dir, "policy.json")
  writeFileSync(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }))
  await run("skopeo", ["--policy", policy, "copy", "--dest-tls-verify=false", ...extra, `oci:${join(dir, "img")}:${tag}`, `docker://${dest}`])
}

function client(t: { teardown: (fn: () => unknown) => void }): RegistryClient {
  const c = makeRegistryClient({ dockerConfig: false })
  t.teardown(() => Effect.runPromise(c.close))
  return c
}

function assertRootfs(t: Test, rootfs: string, arch: string): void {
  t.equal(readFileSync(join(rootfs, "flwd-addon/manifest.yaml"), "utf8"), "kind: AddOn\n")
  t.equal(readFileSync(join(rootfs, "arch"), "utf8"), arch)
  t.same(readdirSync(join(rootfs, "etc")).sort(), ["keep.conf", "new.conf"], "whiteout applied")
  t.same(readdirSync(join(rootfs, "opt/tool")), ["c"], "opaque directory applied")
}

const variants: ReadonlyArray<[string, ReadonlyArray<string>, RegExp]> = [
  ["OCI with gzip layers", [], /^application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip$/],
  // skopeo always compresses layers it pushes to a registry; uncompressed layers come from oci-image.ts in pull.test.ts.
  ["OCI with zstd layers", ["--dest-compress-format", "zstd"], /^application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd$/],
  ["docker v2s2", ["--format", "v2s2"], /^application\/vnd\.docker\.image\.rootfs\.diff\.tar\.gzip$/]
]

for (const [label, flags, layerType] of variants) {
  if (label.includes("zstd") && !hasZstd()) continue
  t.test(`pullImage() unpacks an umoci image pushed by skopeo as ${label}`, async (t) => {
    const dir = temp(t, "flwd-umoci-")
    await umociImage(dir, "v1", "amd64")
    const registry = await startRegistry(t)
    await skopeoCopy(dir, "v1", `${registry.host}/umoci/addon:v1`, flags)
    const c = client(t)
    const ref = parseImageReference(`${registry.host}/umoci/addon:v1`)
    const fetched = await Effect.runPromise(c.manifest(ref, "v1"))
    t.equal(fetched.kind, "manifest")
    if (fetched.kind === "manifest") {
      t.equal(fetched.manifest.layers.length, 3, "three layers")
      for (const l of fetched.manifest.layers) t.match(l.mediaType, layerType, l.mediaType)
    }
    const pulled = await Effect.runPromise(pullImage(c, { ref, store: makeBlobStore(temp(t, "flwd-data-")), platform: { os: "linux", architecture: "amd64" } }))
    assertRootfs(t, pulled.rootfs, "amd64")
  })
}

t.test("pullImage() selects a platform from an index over skopeo-pushed images", async (t) => {
  const dir = temp(t, "flwd-umoci-")
  await umociImage(dir, "amd64", "amd64")
  await umociImage(dir, "arm64", "arm64")
  const registry = await startRegistry(t)
  const c = client(t)
  const manifests = []
  for (const arch of ["amd64", "arm64"]) {
    await skopeoCopy(dir, arch, `${registry.host}/umoci/multi:${arch}`, ["--format", "v2s2"])
    const d = await Effect.runPromise(c.resolve(parseImageReference(`${registry.host}/umoci/multi:${arch}`)))
    manifests.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform: { os: "linux", architecture: arch } })
  }
  const mediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }))
  await pushManifest(registry.url, "umoci/multi", "1", { mediaType, bytes, digest: sha256(bytes), size: bytes.length })
  const store = makeBlobStore(temp(t, "flwd-data-"))
  for (const arch of ["amd64", "arm64"]) {
    const pulled = await Effect.runPromise(pullImage(c, {
      ref: parseImageReference(`${registry.host}/umoci/multi:1`),
      store,
      platform: { os: "linux", architecture: arch }
    }))
    t.equal(pulled.indexDigest, sha256(bytes))
    t.equal(pulled.platform.architecture, arch)
    assertRootfs(t, pulled.rootfs, arch)
  }
})
