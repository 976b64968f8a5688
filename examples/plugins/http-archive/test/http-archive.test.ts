/**
 * The http-archive plugin against a static file server on loopback, loaded
 * into a real engine by path as `--plugin` would load it.
 */
import t, { type Test } from "tap"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createEngine, Effect, Engine, type EngineHandle, type PluginSet, Stream } from "../../../../mod.ts"
import { makeHttpArchiveSource } from "../mod.ts"
import { helloTree, sha256, staticServer, tarGz } from "./_archive.ts"

const plugin = resolve(import.meta.dirname, "..", "mod.ts")

async function engine(t: Test, options: { plugins?: Partial<PluginSet>; dataDir?: string } = {}): Promise<{ engine: EngineHandle; dataDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "flwd-archive-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dataDir = options.dataDir ?? join(dir, "data")
  const e = await createEngine({
    env: {},
    config: false,
    root: join(dir, "none"),
    dataDir,
    ...(options.plugins !== undefined ? { plugins: options.plugins } : { pluginModules: [plugin] })
  })
  t.teardown(() => e.dispose())
  return { engine: e, dataDir }
}

const call = <A, E>(e: EngineHandle, f: (x: Engine["Type"]) => Effect.Effect<A, E>) => e.run(Effect.flatMap(Engine, f))
const fails = async (p: Promise<unknown>): Promise<any> =>
  p.then(() => {
    throw new Error("expected a failure")
  }, (e) => e)

t.test("an archive pinned by sha256 is downloaded, verified, extracted, planned and run", async (t) => {
  const archive = await tarGz(helloTree("Hello from the archive,"))
  const server = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(server.stop)
  const { engine: e, dataDir } = await engine(t)
  const { source } = await call(e, (x) => x.addSource({ type: "http-archive", name: "tools", url: server.url("/tools.tar.gz"), sha256: sha256(archive) }))
  t.equal(source.status, "ready")
  t.match(source.provenance, { type: "http-archive", sha256: sha256(archive) })
  const plan = await call(e, (x) => x.plan({ job: "tools/hello", args: { who: "Ada" } }))
  t.same(plan.args, { who: "Ada" })
  const run = await call(e, (x) => x.run({ job: "tools/hello", args: { who: "Ada" } }))
  const events = [...await call(e, (x) => Stream.runCollect(x.runEvents(run.id)))]
  t.ok(events.some((ev) => ev.type === "log" && String(ev.data.line).includes("Hello from the archive, Ada")))
  t.equal((await call(e, (x) => x.getRun(run.id))).status, "succeeded")
  await e.dispose()

  // A restart serves the extracted tree without downloading again.
  const before = server.hits.get("/tools.tar.gz")
  const { engine: again } = await engine(t, { dataDir })
  t.equal((await call(again, (x) => x.source("tools"))).status, "ready")
  t.equal(server.hits.get("/tools.tar.gz"), before, "no second download")
})

t.test("a wrong sha256 is the plugin's archive.digest.mismatch (422) naming sha256; nothing is extracted", async (t) => {
  const archive = await tarGz(helloTree("x"))
  const server = await staticServer({ "/a.tar.gz": archive })
  t.teardown(server.stop)
  const { engine: e } = await engine(t)
  const error = await fails(call(e, (x) => x.addSource({ type: "http-archive", name: "a", url: server.url("/a.tar.gz"), sha256: "0".repeat(64) })))
  t.equal(error.code, "archive.digest.mismatch")
  t.equal(error.status, 422, "the plugin's entry travels with the error")
  t.same(error.errors.map((f: { path: string }) => f.path), ["sha256"])
  t.notOk((await call(e, (x) => x.sources())).some((s) => s.name === "a"))
  const missing = await fails(call(e, (x) => x.addSource({ type: "http-archive", name: "a", url: server.url("/missing.tar.gz"), sha256: sha256(archive) })))
  t.equal(missing.code, "source.failed")
  t.match(missing.detail, /404/)
  const spec = await fails(call(e, (x) => x.addSource({ type: "http-archive", name: "a", url: "ftp://example.invalid/a.tgz", sha256: "abc" })))
  t.same(spec.errors.map((f: { path: string }) => f.path).sort(), ["sha256", "url"])
})

t.test("unsafe archives are refused whole", async (t) => {
  const bad: Record<string, Array<{ name: string; type?: "file" | "directory" | "symlink" | "link" | "fifo"; text?: string; linkname?: string }>> = {
    "/dotdot.tar.gz": [{ name: "ok/config.yaml", text: "command: ./x\n" }, { name: "../escaped.txt", text: "pwned" }],
    "/absolute.tar.gz": [{ name: "/tmp/flwd-absolute.txt", text: "pwned" }],
    "/symlink.tar.gz": [{ name: "link", type: "symlink", linkname: "/etc" }],
    "/hardlink.tar.gz": [{ name: "hard", type: "link", linkname: "/etc/passwd" }],
    "/fifo.tar.gz": [{ name: "pipe", type: "fifo" }]
  }
  const files: Record<string, Uint8Array> = { "/garbage.tar.gz": Buffer.from("not gzip at all") }
  for (const [path, entries] of Object.entries(bad)) files[path] = await tarGz(entries)
  const server = await staticServer(files)
  t.teardown(server.stop)
  const { engine: e, dataDir } = await engine(t)
  for (const path of Object.keys(files)) {
    const error = await fails(call(e, (x) => x.addSource({ type: "http-archive", name: "bad", url: server.url(path), sha256: sha256(files[path]) })))
    t.equal(error.code, "source.invalid", path)
  }
  t.notOk(existsSync(join(dataDir, "http-archive", "escaped.txt")))
  t.same(readdirSync(join(dataDir, "http-archive", "bad")), [], "no extraction is left behind")
})

t.test("size limits: the download and the extracted files", async (t) => {
  const big = await tarGz([{ name: "big/config.yaml", text: "command: ./x\n" }, { name: "big/data", text: "x".repeat(100_000) }])
  const server = await staticServer({ "/big.tar.gz": big })
  t.teardown(server.stop)
  const small = makeHttpArchiveSource({ maxDownloadBytes: 64 })
  const { engine: e1 } = await engine(t, { plugins: { sources: [small] } })
  const tooBig = await fails(call(e1, (x) => x.addSource({ type: "http-archive", name: "big", url: server.url("/big.tar.gz"), sha256: sha256(big) })))
  t.equal(tooBig.code, "source.invalid")
  t.match(tooBig.detail, /limit/)
  const bomb = makeHttpArchiveSource({ maxBytes: 10_000 })
  const { engine: e2 } = await engine(t, { plugins: { sources: [bomb] } })
  const expanded = await fails(call(e2, (x) => x.addSource({ type: "http-archive", name: "big", url: server.url("/big.tar.gz"), sha256: sha256(big) })))
  t.equal(expanded.code, "source.invalid")
  t.match(expanded.detail, /more than 10000 bytes/)
})
