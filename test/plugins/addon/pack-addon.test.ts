import t from "tap"
import { execFile } from "node:child_process"
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { packAddon } from "../../../plugins/addon/mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"
import { layoutBlob, readLayout, scaffold, tarEntries, write } from "./_addon.ts"

const run = promisify(execFile)
const TAG = "127.0.0.1:5000/example/hello-tools:0.1.0"

t.test("packAddon() is reproducible: same inputs, same digest; a changed file, another", async (t) => {
  const dir = await scaffold(t)
  const first = await packAddon({ checkInterpreters: false, dir, tag: TAG })
  // Times and permission bits the image must not carry.
  utimesSync(join(dir, "jobs/hello-world/run.sh"), new Date(2_000_000_000_000), new Date(2_000_000_000_000))
  chmodSync(join(dir, "jobs/hello-world/run.sh"), 0o700)
  chmodSync(join(dir, "jobs/hello-world/config.yaml"), 0o600)
  const second = await packAddon({ checkInterpreters: false, dir, tag: TAG })
  t.equal(second.digest, first.digest, "mtimes and group/other bits do not change the digest")
  t.equal(second.layer.digest, first.layer.digest)

  const copy = join(tempDir(t), "elsewhere")
  await run("cp", ["-r", dir, copy])
  t.equal((await packAddon({ checkInterpreters: false, dir: copy, tag: TAG })).digest, first.digest, "the same tree elsewhere gives the same digest")

  write(dir, { "jobs/hello-world/run.sh": "#!/bin/sh\necho changed\n" })
  const third = await packAddon({ checkInterpreters: false, dir, tag: TAG })
  t.not(third.digest, first.digest)
  t.not(third.layer.diffId, first.layer.diffId)
})

t.test("packAddon() writes a normalised tar: sorted, uid/gid 0, no names, mtime 0, 0644/0755", async (t) => {
  const dir = await scaffold(t)
  write(dir, { "jobs/hello-world/b.txt": "b", "jobs/hello-world/a.txt": "a", "jobs/a-job/config.yaml": "command: ./x.sh\n", "jobs/a-job/x.sh": "#!/bin/sh\n" })
  mkdirSync(join(dir, "jobs/.git"))
  write(dir, { "jobs/.git/HEAD": "ref\n", "notes.txt": "not packed" })
  const layout = join(tempDir(t), "layout")
  const packed = await packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout })
  const gz = layoutBlob(layout, packed.layer.digest)
  t.same([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255], "gzip header: MTIME 0, OS unknown")
  const entries = await tarEntries(gz)
  t.same(entries.map((e) => e.name), [
    "flwd-addon/",
    "flwd-addon/manifest.yaml",
    "flwd-addon/jobs/",
    "flwd-addon/jobs/a-job/",
    "flwd-addon/jobs/a-job/config.yaml",
    "flwd-addon/jobs/a-job/x.sh",
    "flwd-addon/jobs/hello-world/",
    "flwd-addon/jobs/hello-world/a.txt",
    "flwd-addon/jobs/hello-world/b.txt",
    "flwd-addon/jobs/hello-world/config.yaml",
    "flwd-addon/jobs/hello-world/run.sh"
  ])
  for (const e of entries) {
    t.match(e, { uid: 0, gid: 0, uname: "", gname: "", mtime: 0 }, e.name)
    t.equal(e.mode, e.type === "directory" || e.name.endsWith(".sh") ? 0o755 : 0o644, `${e.name} mode`)
  }
  t.equal(entries.find((e) => e.name.endsWith("b.txt"))?.content, "b")
})

t.test("packAddon() keeps long and non-ASCII names and long link targets (pax headers) that GNU tar reads", async (t) => {
  const dir = await scaffold(t)
  const deep = `jobs/hello-world/${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(120)}.txt`
  write(dir, { [deep]: "deep", "jobs/hello-world/grüße.txt": "umlaut" })
  symlinkSync(`${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(120)}.txt`, join(dir, "jobs/hello-world/long-link"))
  const layout = join(tempDir(t), "layout")
  const packed = await packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout })
  const entries = await tarEntries(layoutBlob(layout, packed.layer.digest))
  t.equal(entries.find((e) => e.name === `flwd-addon/${deep}`)?.content, "deep")
  t.equal(entries.find((e) => e.name === "flwd-addon/jobs/hello-world/grüße.txt")?.content, "umlaut")
  t.match(entries.find((e) => e.name.endsWith("long-link")), { type: "symlink", linkname: /f{120}\.txt$/ })
  const gz = join(layout, "blobs/sha256", packed.layer.digest.slice(7))
  const { stdout } = await run("tar", ["-tzf", gz])
  t.ok(stdout.split("\n").includes(`flwd-addon/${deep}`), "GNU tar lists the long name")
  t.ok(stdout.split("\n").includes("flwd-addon/jobs/hello-world/grüße.txt"))
})

t.test("packAddon() builds the config and manifest: diff_ids, history, labels, annotations, no created", async (t) => {
  const dir = await scaffold(t)
  const layout = join(tempDir(t), "layout")
  const packed = await packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout, platform: "linux/arm64" })
  const { manifest, config, index } = readLayout(layout, "0.1.0")
  t.equal(index.manifests[0].digest, packed.digest)
  t.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json")
  t.same(manifest.layers, [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: packed.layer.digest, size: packed.layer.size }])
  const labels = {
    "org.opencontainers.image.title": "Hello Tools",
    "org.opencontainers.image.version": "0.1.0",
    "dev.flwd.addon.id": "hello-tools",
    "dev.flwd.addon.version": "0.1.0"
  }
  t.match(manifest.annotations, labels)
  t.match(config, { architecture: "arm64", os: "linux", config: { Labels: labels }, rootfs: { type: "layers", diff_ids: [packed.layer.diffId] } })
  t.match(config.history, [{ created_by: "flwd :addon pack", comment: "flwd add-on hello-tools 0.1.0" }])
  t.notOk("created" in config, "no clock in the config")
  t.notOk("org.opencontainers.image.created" in manifest.annotations!)
  t.equal(readFileSync(join(layout, "oci-layout"), "utf8"), '{"imageLayoutVersion":"1.0.0"}')
})

t.test("packAddon() takes SOURCE_DATE_EPOCH for mtimes and created", async (t) => {
  const dir = await scaffold(t)
  const layout = join(tempDir(t), "layout")
  const plain = await packAddon({ checkInterpreters: false, dir, tag: TAG })
  process.env.SOURCE_DATE_EPOCH = "1700000000"
  t.teardown(() => void delete process.env.SOURCE_DATE_EPOCH)
  const dated = await packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout })
  const again = await packAddon({ checkInterpreters: false, dir, tag: TAG })
  t.not(dated.digest, plain.digest)
  t.equal(again.digest, dated.digest)
  const { config, manifest } = readLayout(layout, "0.1.0")
  t.equal(config.created, "2023-11-14T22:13:20Z")
  t.equal(manifest.annotations!["org.opencontainers.image.created"], "2023-11-14T22:13:20Z")
  t.ok((await tarEntries(layoutBlob(layout, dated.layer.digest))).every((e) => e.mtime === 1_700_000_000_000))
  process.env.SOURCE_DATE_EPOCH = "yesterday"
  t.match(await rejection(packAddon({ checkInterpreters: false, dir, tag: TAG })), { code: "validation.failed", errors: [{ path: "SOURCE_DATE_EPOCH" }] })
})

t.test("packAddon() output unpacks with umoci to the expected files", async (t) => {
  const dir = await scaffold(t)
  const work = tempDir(t)
  const layout = join(work, "layout")
  await packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout })
  await packAddon({ checkInterpreters: false, dir, tag: "127.0.0.1:5000/example/hello-tools:other", ociLayout: layout })
  t.equal(readLayout(layout, "other").index.manifests.length, 2, "a second image joins the layout")
  await run("umoci", ["unpack", "--rootless", "--image", `${layout}:0.1.0`, join(work, "bundle")])
  const rootfs = join(work, "bundle", "rootfs")
  t.equal(readFileSync(join(rootfs, "flwd-addon/manifest.yaml"), "utf8"), readFileSync(join(dir, "manifest.yaml"), "utf8"))
  t.equal(readFileSync(join(rootfs, "flwd-addon/jobs/hello-world/run.sh"), "utf8"), readFileSync(join(dir, "jobs/hello-world/run.sh"), "utf8"))
  t.equal(statSync(join(rootfs, "flwd-addon/jobs/hello-world/run.sh")).mode & 0o777, 0o755)
})

t.test("packAddon() stores symlinks inside the add-on as links, never following them", async (t) => {
  const dir = await scaffold(t)
  write(dir, { "jobs/lib/common.sh": "#!/bin/sh\n" })
  symlinkSync("../lib/common.sh", join(dir, "jobs/hello-world/common.sh"))
  symlinkSync("../lib", join(dir, "jobs/hello-world/lib"))
  symlinkSync("missing.txt", join(dir, "jobs/hello-world/dangling"))
  const work = tempDir(t)
  const layout = join(work, "layout")
  const packed = await packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout })
  const links = (await tarEntries(layoutBlob(layout, packed.layer.digest))).filter((e) => e.type === "symlink")
  t.same(links.map((e) => [e.name, e.linkname, e.mode]), [
    ["flwd-addon/jobs/hello-world/common.sh", "../lib/common.sh", 0o777],
    ["flwd-addon/jobs/hello-world/dangling", "missing.txt", 0o777],
    ["flwd-addon/jobs/hello-world/lib", "../lib", 0o777]
  ])
  await run("umoci", ["unpack", "--rootless", "--image", `${layout}:0.1.0`, join(work, "bundle")])
  const link = join(work, "bundle/rootfs/flwd-addon/jobs/hello-world/lib")
  t.ok(lstatSync(link).isSymbolicLink())
  t.equal(readlinkSync(link), "../lib")
})

t.test("packAddon() refuses symlinks leading out of the add-on, and special files", async (t) => {
  const outside = tempDir(t)
  write(outside, { "secret.txt": "host secret" })
  const dir = await scaffold(t)
  symlinkSync(join(outside, "secret.txt"), join(dir, "jobs/hello-world/absolute"))
  symlinkSync("../../../secret.txt", join(dir, "jobs/hello-world/relative"))
  symlinkSync("../../notes.txt", join(dir, "jobs/hello-world/unpacked"))
  write(dir, { "notes.txt": "inside the directory but not packed" })
  // Lexically inside, but `up/..` climbs out through the link `up`.
  symlinkSync("..", join(dir, "jobs/up"))
  symlinkSync("../up/../..", join(dir, "jobs/hello-world/sneaky"))
  await run("mkfifo", [join(dir, "jobs/hello-world/pipe")])
  const layout = join(tempDir(t), "layout")
  const e = await rejection(packAddon({ checkInterpreters: false, dir, tag: TAG, ociLayout: layout }))
  t.equal(e.code, "discovery.invalid")
  t.same(e.errors.map((x: { path: string }) => x.path), [
    "jobs/hello-world/absolute",
    "jobs/hello-world/pipe",
    "jobs/hello-world/relative",
    "jobs/hello-world/sneaky",
    "jobs/hello-world/unpacked",
    "jobs/up"
  ])
  t.match(e.errors[0].message, /absolute path/)
  t.match(e.errors[2].message, /leading outside the add-on/)
  t.notOk(existsSync(layout), "nothing written")
})

t.test("packAddon() refuses an invalid add-on with the validation problem, and a digest tag", async (t) => {
  const dir = await scaffold(t)
  write(dir, { "manifest.yaml": "kind: AddOn\n" })
  t.match(await rejection(packAddon({ checkInterpreters: false, dir, tag: TAG })), { code: "E_ADDON_MANIFEST", errors: [{ path: "apiVersion" }] })
  t.match(await rejection(packAddon({ checkInterpreters: false, dir: join(dir, "nope"), tag: TAG })), { code: "validation.failed", errors: [{ path: "dir" }] })
  t.match(await rejection(packAddon({ checkInterpreters: false, dir, tag: `127.0.0.1:5000/x@sha256:${"a".repeat(64)}` })), {
    code: "validation.failed",
    errors: [{ path: "tag" }]
  })
  t.match(await rejection(packAddon({ checkInterpreters: false, dir, tag: "Bad/Name" })), { code: "validation.failed", errors: [{ path: "tag" }] })
})
