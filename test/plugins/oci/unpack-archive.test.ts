/**
 * The safe unpacker as public API (`unpackArchive` from the package root):
 * a plain archive unpacks into a new directory; with
 * `onlyFilesAndDirectories`, links, fifos and absolute names refuse the
 * whole archive and leave nothing behind; the budgets hold.
 */
import t from "tap"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Readable } from "node:stream"
import { gzipSync } from "node:zlib"
import { unpackArchive, UnpackError } from "../../../mod.ts"
import { type EntrySpec, tarLayer } from "../../helpers/oci-image.ts"

function parent(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-unpack-archive-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const tgz = async (entries: ReadonlyArray<EntrySpec>) => gzipSync(await tarLayer(entries))

t.test("unpackArchive() unpacks a .tar.gz into a new directory", async (t) => {
  const dir = parent(t)
  const destination = join(dir, "tree")
  const bytes = await tgz([{ path: "tools/", type: "directory" }, { path: "tools/run.sh", content: "#!/bin/sh\n", mode: 0o4755 }, {
    path: "/abs.txt",
    content: "inside"
  }])
  const result = await unpackArchive({ source: Readable.from([bytes]), destination })
  t.equal(result.reused, false)
  t.equal(readFileSync(join(destination, "tools/run.sh"), "utf8"), "#!/bin/sh\n")
  t.equal(statSync(join(destination, "tools/run.sh")).mode & 0o7777, 0o755, "setuid stripped")
  t.equal(readFileSync(join(destination, "abs.txt"), "utf8"), "inside", "an absolute name lands inside")
  t.same(readdirSync(dir), ["tree"], "nothing beside it")
  t.equal((await unpackArchive({ source: bytes, destination })).reused, true, "an existing destination is reused")
})

t.test("unpackArchive() with onlyFilesAndDirectories refuses links, fifos and absolute names whole", async (t) => {
  const cases: Record<string, [ReadonlyArray<EntrySpec>, string]> = {
    symlink: [[{ path: "ok", content: "ok" }, { path: "link", type: "symlink", linkname: "/etc" }], "unsupported-entry"],
    hardlink: [[{ path: "ok", content: "ok" }, { path: "hard", type: "link", linkname: "ok" }], "unsupported-entry"],
    fifo: [[{ path: "pipe", type: "fifo" }], "unsupported-entry"],
    absolute: [[{ path: "/tmp/flwd-absolute.txt", content: "pwned" }], "path-escape"],
    dotdot: [[{ path: "../escaped.txt", content: "pwned" }], "path-escape"]
  }
  for (const [name, [entries, reason]] of Object.entries(cases)) {
    const dir = parent(t)
    const e = await unpackArchive({ source: await tgz(entries), destination: join(dir, "tree"), onlyFilesAndDirectories: true }).then(
      () => undefined,
      (e: unknown) => e
    )
    t.type(e, UnpackError, name)
    t.equal((e as UnpackError).reason, reason, name)
    t.same(readdirSync(dir), [], `${name}: nothing left behind`)
  }
  t.notOk(existsSync(join(tmpdir(), "escaped.txt")))
})

t.test("unpackArchive() enforces the byte and entry budgets", async (t) => {
  const dir = parent(t)
  const big = await tgz([{ path: "data", content: "x".repeat(100_000) }])
  const bytes = await unpackArchive({ source: big, destination: join(dir, "a"), limits: { maxBytes: 10_000 } }).catch((e: unknown) => e)
  t.match(bytes, { reason: "limit-exceeded", detail: /more than 10000 bytes/ })
  const many = await tgz(Array.from({ length: 20 }, (_, i) => ({ path: `f${i}`, content: "x" })))
  const entries = await unpackArchive({ source: many, destination: join(dir, "b"), limits: { maxEntries: 10 } }).catch((e: unknown) => e)
  t.match(entries, { reason: "limit-exceeded", detail: /more than 10 entries/ })
  t.same(readdirSync(dir), [])
})
