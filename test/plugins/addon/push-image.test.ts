import t from "tap"
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { packAddon, pushImage } from "../../../plugins/addon/mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"
import { buildImage, pushImage as pushTestImage } from "../../helpers/oci-image.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { busyboxLayer } from "../sources/oci/_addon.ts"
import { readLayout, scaffold, write } from "./_addon.ts"

const run = promisify(execFile)
const uploads = (rs: ReadonlyArray<{ method: string; path: string }>) =>
  rs.filter((r) => (r.method === "POST" || r.method === "PUT" || r.method === "PATCH") && r.path.includes("/blobs/uploads/"))

t.test("pack --push: the real registry takes it, skopeo inspects and copies it", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  const ref = `${registry.host}/example/hello-tools:0.1.0`
  const packed = await packAddon({ checkInterpreters: false, dir, tag: ref, push: true })
  t.match(packed.pushed, { digest: packed.digest, ref, blobs: { uploaded: 2, mounted: 0, skipped: 0 } })
  const { stdout } = await run("skopeo", ["inspect", "--tls-verify=false", `docker://${ref}`])
  const inspected = JSON.parse(stdout)
  t.equal(inspected.Digest, packed.digest)
  t.match(inspected.Labels, { "dev.flwd.addon.id": "hello-tools", "org.opencontainers.image.version": "0.1.0" })
  t.same(inspected.Layers, [packed.layer.digest])
  const raw = JSON.parse((await run("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`])).stdout)
  t.equal(raw.config.mediaType, "application/vnd.oci.image.config.v1+json")

  const copyTo = join(tempDir(t), "copy")
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${copyTo}:copied`])
  t.equal(readLayout(copyTo, "copied").manifest.layers[0].digest, packed.layer.digest)
  await run("skopeo", ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${ref}`, `docker://${registry.host}/copied/hello:1`])
  t.equal(JSON.parse((await run("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/copied/hello:1`])).stdout).Digest, packed.digest)
})

t.test("pushing again uploads nothing: every blob is found with HEAD", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  const ref = `${registry.host}/example/hello-tools:0.1.0`
  await packAddon({ checkInterpreters: false, dir, tag: ref, push: true })
  const before = (await registry.requests()).length
  const again = await packAddon({ checkInterpreters: false, dir, tag: ref, push: true })
  t.match(again.pushed?.blobs, { uploaded: 0, mounted: 0, skipped: 2 })
  const second = (await registry.requests()).slice(before)
  t.same(uploads(second), [], "no upload request the second time")
  t.equal(second.filter((r) => r.method === "HEAD" && r.path.includes("/blobs/")).length, 2)
  t.equal(second.filter((r) => r.method === "PUT" && r.path.endsWith("/manifests/0.1.0")).length, 1)
})

t.test("a layer over 8 MiB goes up in chunked PATCHes", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  write(dir, { "jobs/hello-world/data.bin": randomBytes(12 * 1024 * 1024) })
  const ref = `${registry.host}/example/big:1`
  const packed = await packAddon({ checkInterpreters: false, dir, tag: ref, push: true })
  t.ok(packed.layer.size > 8 * 1024 * 1024)
  const patches = (await registry.requests()).filter((r) => r.method === "PATCH")
  t.equal(patches.length, 2, "8 MiB, then the rest")
  t.ok(patches.every((r) => r.status === 202))
  const raw = JSON.parse((await run("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`])).stdout)
  t.equal(raw.layers[0].digest, packed.layer.digest)
  // The registry verified the digest of the chunks it assembled: pulling it back is the proof.
  const copyTo = join(tempDir(t), "copy")
  await run("skopeo", ["copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${copyTo}:x`])
})

t.test("--base: the base's layers go under the add-on layer, mounted from their repository", async (t) => {
  const registry = await startRegistry(t)
  const base = buildImage([await busyboxLayer()], { format: "docker" })
  await pushTestImage(registry.url, "base/busybox", "1", base)
  const dir = await scaffold(t)
  const work = tempDir(t)
  const layout = join(work, "layout")
  const ref = `${registry.host}/example/hello-tools:0.1.0`
  const before = (await registry.requests()).length
  const packed = await packAddon({
    checkInterpreters: false,
    dir,
    tag: ref,
    base: `${registry.host}/base/busybox:1`,
    platform: "linux/amd64",
    push: true,
    ociLayout: layout
  })
  t.match(packed.pushed?.blobs, { uploaded: 2, mounted: 1, skipped: 0 })
  const mounts = (await registry.requests()).slice(before).filter((r) => r.method === "POST" && r.path.includes("mount="))
  t.equal(mounts.length, 1)
  t.equal(mounts[0].status, 201, "the registry mounted it")
  t.match(mounts[0].path, /from=base%2Fbusybox/)

  const { manifest, config } = readLayout(layout, "0.1.0")
  t.same(manifest.layers.map((l: { digest: string }) => l.digest), [base.layers[0].digest, packed.layer.digest])
  t.equal(manifest.layers[0].mediaType, "application/vnd.oci.image.layer.v1.tar+gzip", "docker media type as its OCI twin")
  t.match(manifest.annotations, {
    "org.opencontainers.image.base.name": `${registry.host}/base/busybox:1`,
    "org.opencontainers.image.base.digest": base.manifest.digest
  })
  t.same(config.rootfs.diff_ids, [base.layers[0].diffId, packed.layer.diffId])
  t.match(config.config, { Env: ["PATH=/usr/bin:/bin"], Cmd: ["/bin/sh"], Labels: { "dev.flwd.addon.id": "hello-tools" } })

  await run("umoci", ["unpack", "--rootless", "--image", `${layout}:0.1.0`, join(work, "bundle")])
  t.equal(readFileSync(join(work, "bundle/rootfs/etc/image-release"), "utf8"), "the add-on image\n")
  t.ok(readFileSync(join(work, "bundle/rootfs/flwd-addon/manifest.yaml")).length > 0)

  const again = await packAddon({ checkInterpreters: false, dir, tag: ref, base: `${registry.host}/base/busybox:1`, platform: "linux/amd64" })
  t.equal(again.digest, packed.digest, "reproducible over a base too")
})

t.test("--base on another registry: the base's blobs are fetched and uploaded", async (t) => {
  const source = await startRegistry(t)
  const target = await startRegistry(t)
  const base = buildImage([await busyboxLayer()])
  await pushTestImage(source.url, "base/busybox", "1", base)
  const dir = await scaffold(t)
  const packed = await packAddon({
    checkInterpreters: false,
    dir,
    tag: `${target.host}/example/hello-tools:1`,
    base: `${source.host}/base/busybox:1`,
    platform: "linux/amd64",
    push: true
  })
  t.match(packed.pushed?.blobs, { uploaded: 3, mounted: 0 })
  const { stdout } = await run("skopeo", ["inspect", "--tls-verify=false", `docker://${target.host}/example/hello-tools:1`])
  t.same(JSON.parse(stdout).Layers, [base.layers[0].digest, packed.layer.digest])
})

t.test("pushImage() pushes an image of an OCI layout, chosen by the tag", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  const layout = join(tempDir(t), "layout")
  const packed = await packAddon({ checkInterpreters: false, dir, tag: "127.0.0.1:1/x/y:0.1.0", ociLayout: layout })
  await packAddon({ checkInterpreters: false, dir, tag: "127.0.0.1:1/x/y:other", ociLayout: layout, sourceDateEpoch: 1 })
  const pushed = await pushImage({ image: layout, ref: `${registry.host}/from/layout:0.1.0` })
  t.equal(pushed.digest, packed.digest)
  t.match(await rejection(pushImage({ image: layout, ref: `${registry.host}/from/layout:nope` })), { code: "E_OCI", detail: /no image named "nope"/ })
  t.match(await rejection(pushImage({ image: layout, ref: `${registry.host}/from/layout` })), { code: "E_OCI", detail: /more than one image/ })
})
