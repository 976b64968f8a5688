import t from "tap"
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { Readable } from "node:stream"
import * as zlib from "node:zlib"
import * as Effect from "effect/Effect"
import { hasZstd, resolveInRoot, sweepUnpackTemps, UnpackError, unpackImage } from "../../../plugins/oci/mod.ts"
import { sha256, tarLayer } from "../../helpers/oci-image.ts"
import { assertContained, assertOnly, failure, type Layer, sandbox, unpack } from "./_unpack.ts"

t.test("unpackImage() unpacks files, directories, links and modes", async (t) => {
  const sb = sandbox(t)
  const result = await unpack(sb, [{
    entries: [
      { path: "./", type: "directory", mode: 0o755 },
      { path: "bin/", type: "directory" },
      { path: "bin/tool", content: "#!/bin/sh\necho hi\n", mode: 0o755 },
      { path: "etc/conf", content: "a=1\n" },
      { path: "bin/alias", type: "symlink", linkname: "tool" },
      { path: "bin/abs", type: "symlink", linkname: "/bin/tool" },
      { path: "bin/hard", type: "link", linkname: "bin/tool" },
      { path: "/abs/file", content: "absolute names land inside" },
      { path: "ab\\..\\c", content: "a backslash is a plain character" }
    ]
  }])
  const root = sb.destination
  t.equal(result.reused, false)
  t.equal(readFileSync(join(root, "bin/tool"), "utf8"), "#!/bin/sh\necho hi\n")
  t.equal(statSync(join(root, "bin/tool")).mode & 0o777, 0o755)
  t.equal(readFileSync(join(root, "etc/conf"), "utf8"), "a=1\n")
  t.equal(readlinkSync(join(root, "bin/alias")), "tool")
  t.equal(readlinkSync(join(root, "bin/abs")), "/bin/tool")
  t.equal(statSync(join(root, "bin/hard")).ino, statSync(join(root, "bin/tool")).ino, "hardlink shares the inode")
  t.equal(readFileSync(join(root, "abs/file"), "utf8"), "absolute names land inside")
  t.equal(readFileSync(join(root, "ab\\..\\c"), "utf8"), "a backslash is a plain character")
  t.equal(result.layers[0].entries, 9)
  assertOnly(t, sb)
})

t.test("unpackImage() applies whiteouts and opaque directories across layers", async (t) => {
  const sb = sandbox(t)
  await unpack(sb, [
    {
      entries: [
        { path: "a/x", content: "x" },
        { path: "a/y", content: "y" },
        { path: "b/z", content: "z" },
        { path: "c/old", content: "old" },
        { path: "c/sub/deep", content: "deep" },
        { path: "d/keep", content: "keep" }
      ]
    },
    {
      entries: [
        { path: "a/.wh.x", content: "" },
        { path: ".wh.b", content: "" },
        { path: "c/new-before", content: "n1" },
        { path: "c/.wh..wh..opq", content: "" },
        { path: "c/new-after", content: "n2" },
        { path: "d/.wh.missing", content: "" },
        { path: "e/f", content: "same layer" },
        { path: "e/.wh.f", content: "" }
      ]
    }
  ])
  const root = sb.destination
  t.same(readdirSync(join(root, "a")), ["y"], "a/x whited out")
  t.notOk(existsSync(join(root, "b")), "b whited out")
  t.same(readdirSync(join(root, "c")).sort(), ["new-after", "new-before"], "opaque c keeps only this layer's entries")
  t.same(readdirSync(join(root, "d")), ["keep"], "a whiteout of nothing is harmless")
  t.equal(readFileSync(join(root, "e/f"), "utf8"), "same layer", "a whiteout never hides its own layer")
})

t.test("unpackImage() handles uncompressed, gzip and zstd layers", async (t) => {
  const sb = sandbox(t)
  const layers: Array<Layer> = [
    { entries: [{ path: "plain", content: "p" }], compression: "none" },
    { entries: [{ path: "gz", content: "g" }], compression: "gzip" }
  ]
  if (hasZstd()) layers.push({ entries: [{ path: "zst", content: "z" }], compression: "zstd" })
  await unpack(sb, layers)
  t.equal(readFileSync(join(sb.destination, "plain"), "utf8"), "p")
  t.equal(readFileSync(join(sb.destination, "gz"), "utf8"), "g")
  if (hasZstd()) t.equal(readFileSync(join(sb.destination, "zst"), "utf8"), "z")
})

t.test("unpackImage() checks the diff id", async (t) => {
  const sb = sandbox(t)
  const tar = await tarLayer([{ path: "a", content: "a" }])
  await t.resolves(unpack(sb, [{ entries: [], raw: tar, diffId: sha256(tar) }]))
  const other = sandbox(t)
  const e = await failure(other, [{ entries: [], raw: tar, diffId: sha256(Buffer.from("other")) }])
  t.equal(e.reason, "diff-id-mismatch")
  assertContained(t, other)
})

t.test("unpackImage() reports a corrupt layer", async (t) => {
  const sb = sandbox(t)
  const tar = await tarLayer([{ path: "a", content: "a".repeat(10000) }])
  const gz = zlib.gzipSync(tar)
  const e = await Effect.runPromise(Effect.flip(unpackImage({
    destination: sb.destination,
    layers: [async () => ({ source: Readable.from([gz.subarray(0, gz.length - 20)]), compression: "gzip" as const })]
  })))
  t.equal(e._tag, "UnpackError")
  t.equal((e as UnpackError).reason, "corrupt")
  assertContained(t, sb)
})

t.test("unpackImage() reuses an existing rootfs without opening a layer", async (t) => {
  const sb = sandbox(t)
  mkdirSync(sb.destination, { recursive: true })
  let opened = 0
  const result = await Effect.runPromise(unpackImage({
    destination: sb.destination,
    layers: [async () => {
      opened++
      throw new Error("must not open")
    }]
  }))
  t.equal(result.reused, true)
  t.equal(opened, 0)
})

t.test("sweepUnpackTemps() removes what a crash left", async (t) => {
  const sb = sandbox(t)
  const parent = dirname(sb.destination)
  mkdirSync(join(parent, ".rootfs-tmp-abc", "half"), { recursive: true })
  mkdirSync(join(parent, "rootfs"))
  t.equal(await sweepUnpackTemps(parent), 1)
  t.same(readdirSync(parent), ["rootfs"])
})

t.test("resolveInRoot() follows symlinks without leaving the root", async (t) => {
  const sb = sandbox(t)
  await unpack(sb, [{
    entries: [
      { path: "etc/real", content: "r" },
      { path: "etc/abs", type: "symlink", linkname: "/etc/real" },
      { path: "etc/up", type: "symlink", linkname: "../../../../outside/secret" },
      { path: "loop", type: "symlink", linkname: "loop" }
    ]
  }])
  const root = sb.destination
  t.equal(await resolveInRoot(root, "/etc/abs"), join(root, "etc/real"))
  t.equal(await resolveInRoot(root, "etc/up"), join(root, "outside/secret"))
  t.equal(await resolveInRoot(root, "../../x"), join(root, "x"))
  await t.rejects(resolveInRoot(root, "loop"), new UnpackError({ reason: "path-escape", detail: "too many symlinks resolving loop" }))
})

t.test("unpackImage() links to a file of an earlier layer", async (t) => {
  const sb = sandbox(t)
  await unpack(sb, [{ entries: [{ path: "a", content: "shared" }] }, { entries: [{ path: "b", type: "link", linkname: "a" }] }])
  t.equal(statSync(join(sb.destination, "b")).ino, statSync(join(sb.destination, "a")).ino)
})
