/**
 * Hostile layers: nothing may be written outside the root, whatever the
 * archive says, and limits stop archives that are too big.
 */
import t from "tap"
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { assertContained, failure, type Layer, type Sandbox, sandbox, unpack } from "./_unpack.ts"

t.test("unpackImage() refuses path traversal with ..", async (t) => {
  for (const path of ["../outside/evil", "a/../../outside/evil", "../../../../../../../../tmp/evil", "a/.."]) {
    const sb = sandbox(t)
    const e = await failure(sb, [{ entries: [{ path: "a/", type: "directory" }, { path, content: "x" }] }])
    t.equal(e.reason, "path-escape", path)
    t.equal(e.entry, path)
    assertContained(t, sb)
  }
})

t.test("unpackImage() refuses to write through a symlink of the same layer", async (t) => {
  const sb = sandbox(t)
  const e = await failure(sb, [{
    entries: [
      { path: "link", type: "symlink", linkname: sb.outside },
      { path: "link/evil", content: "x" }
    ]
  }])
  t.equal(e.reason, "symlink-traversal")
  assertContained(t, sb)
})

t.test("unpackImage() refuses to write through a relative symlink to ..", async (t) => {
  const sb = sandbox(t)
  const e = await failure(sb, [{
    entries: [
      { path: "up", type: "symlink", linkname: "../../../outside" },
      { path: "up/secret", content: "overwritten" }
    ]
  }])
  t.equal(e.reason, "symlink-traversal")
  assertContained(t, sb)
})

t.test("unpackImage() refuses to write through a symlink of an earlier layer", async (t) => {
  const sb = sandbox(t)
  const e = await failure(sb, [
    { entries: [{ path: "d/", type: "directory" }, { path: "d/link", type: "symlink", linkname: sb.outside }] },
    { entries: [{ path: "d/link/secret", content: "overwritten" }] }
  ])
  t.equal(e.reason, "symlink-traversal")
  t.equal(e.layer, "layer1")
  assertContained(t, sb)
})

t.test("unpackImage() replaces a symlink with a file instead of writing through it", async (t) => {
  const sb = sandbox(t)
  await unpack(sb, [
    { entries: [{ path: "x", type: "symlink", linkname: join(sb.outside, "secret") }] },
    { entries: [{ path: "x", content: "inside" }] }
  ])
  t.equal(readFileSync(join(sb.destination, "x"), "utf8"), "inside")
  t.notOk(lstatSync(join(sb.destination, "x")).isSymbolicLink())
  t.equal(readFileSync(join(sb.outside, "secret"), "utf8"), "host secret")
})

t.test("unpackImage() refuses hardlink escapes", async (t) => {
  const cases: ReadonlyArray<[string, (sb: Sandbox) => ReadonlyArray<Layer>]> = [
    ["target with ..", () => [{ entries: [{ path: "h", type: "link", linkname: "../outside/secret" }] }]],
    ["absolute target not in the image", (sb) => [{ entries: [{ path: "h", type: "link", linkname: join(sb.outside, "secret") }] }]],
    [
      "target through a symlink",
      (sb) => [{ entries: [{ path: "d", type: "symlink", linkname: sb.outside }, { path: "h", type: "link", linkname: "d/secret" }] }]
    ],
    ["target is a symlink of an earlier layer", (sb) => [
      { entries: [{ path: "s", type: "symlink", linkname: join(sb.outside, "secret") }] },
      { entries: [{ path: "h", type: "link", linkname: "s" }] }
    ]],
    ["target is a directory", () => [{ entries: [{ path: "d/", type: "directory" }, { path: "h", type: "link", linkname: "d" }] }]],
    ["target not extracted yet", () => [{ entries: [{ path: "h", type: "link", linkname: "later" }, { path: "later", content: "x" }] }]]
  ]
  for (const [label, layers] of cases) {
    const sb = sandbox(t)
    const e = await failure(sb, layers(sb))
    t.equal(e.reason, "hardlink-escape", label)
    assertContained(t, sb)
  }
})

t.test("unpackImage() skips device nodes and fifos", async (t) => {
  const sb = sandbox(t)
  const result = await unpack(sb, [{
    entries: [
      { path: "dev/", type: "directory" },
      { path: "dev/null", type: "character-device" },
      { path: "dev/sda", type: "block-device" },
      { path: "dev/pipe", type: "fifo" },
      { path: "ok", content: "x" }
    ]
  }])
  t.same(readdirSync(join(sb.destination, "dev")), [])
  t.equal(result.layers[0].skipped, 3)
})

t.test("unpackImage() strips setuid, setgid and sticky bits", async (t) => {
  const sb = sandbox(t)
  const result = await unpack(sb, [{
    entries: [
      { path: "tmp/", type: "directory", mode: 0o1777 },
      { path: "su", content: "x", mode: 0o4755 },
      { path: "sg", content: "x", mode: 0o2755 }
    ]
  }])
  t.equal(statSync(join(sb.destination, "su")).mode & 0o7777, 0o755)
  t.equal(statSync(join(sb.destination, "sg")).mode & 0o7777, 0o755)
  t.equal(statSync(join(sb.destination, "tmp")).mode & 0o7777, 0o777)
  t.equal(result.layers[0].stripped, 3)
})

t.test("unpackImage() stops a decompression bomb", async (t) => {
  const sb = sandbox(t)
  const e = await failure(sb, [{ entries: [{ path: "zeros", content: Buffer.alloc(24 * 1024 * 1024) }] }], { ratioGraceBytes: 1024 * 1024, maxRatio: 100 })
  t.equal(e.reason, "decompression-bomb")
  assertContained(t, sb)
})

t.test("unpackImage() enforces the total byte limit", async (t) => {
  const sb = sandbox(t)
  const e = await failure(sb, [
    { entries: [{ path: "a", content: Buffer.alloc(600 * 1024, 1) }] },
    { entries: [{ path: "b", content: Buffer.alloc(600 * 1024, 2) }] }
  ], { maxBytes: 1024 * 1024 })
  t.equal(e.reason, "limit-exceeded")
  t.match(e.detail, /more than 1048576 bytes uncompressed/)
  assertContained(t, sb)
})

t.test("unpackImage() stops 100,000 entries at a lower entry limit", async (t) => {
  const sb = sandbox(t)
  const entries = Array.from({ length: 100_000 }, (_, i) => ({ path: `f/${i}`, content: "" }))
  const e = await failure(sb, [{ entries }], { maxEntries: 1000 })
  t.equal(e.reason, "limit-exceeded")
  t.match(e.detail, /more than 1000 entries/)
  assertContained(t, sb)
})

t.test("unpackImage() refuses names with NUL bytes and over-long paths", async (t) => {
  const nul = await failure(sandbox(t), [{ entries: [{ path: `${"x".repeat(120)}\0evil`, content: "x" }] }])
  t.equal(nul.reason, "invalid-name")
  const long = await failure(sandbox(t), [{ entries: [{ path: `${"d/".repeat(60)}file`, content: "x" }] }], { maxPathLength: 100 })
  t.equal(long.reason, "limit-exceeded")
  const component = await failure(sandbox(t), [{ entries: [{ path: "x".repeat(300), content: "x" }] }])
  t.equal(component.reason, "invalid-name")
  const target = await failure(sandbox(t), [{ entries: [{ path: "l", type: "symlink", linkname: "t".repeat(200) }] }], { maxPathLength: 100 })
  t.equal(target.reason, "limit-exceeded")
})

t.test("unpackImage() refuses a whiteout through a symlink", async (t) => {
  const sb = sandbox(t)
  const e = await failure(sb, [
    { entries: [{ path: "l", type: "symlink", linkname: sb.outside }] },
    { entries: [{ path: "l/.wh.secret", content: "" }] }
  ])
  t.equal(e.reason, "symlink-traversal")
  assertContained(t, sb)
})

t.test("unpackImage() refuses whiteouts that name a directory or its parent", async (t) => {
  for (const path of [".wh..", ".wh...", "a/.wh...", "a/.wh..", "a/.wh."]) {
    const sb = sandbox(t)
    const e = await failure(sb, [
      { entries: [{ path: "a/keep", content: "k" }] },
      { entries: [{ path, content: "" }] }
    ])
    t.equal(e.reason, "invalid-name", path)
    assertContained(t, sb)
  }
})
