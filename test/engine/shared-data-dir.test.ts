/**
 * One state per data directory: a source added or removed by `flwd
 * :sources …` (the CLI's own in-process engine) while a server runs on the
 * same data directory is seen by the server without a restart — in
 * `GET /sources` and in plans; the CLI warns that the server owns the data
 * directory. A real server child process and the real CLI.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t from "tap"
import { defineSourcePlugin, Effect, Engine, sourceSpec } from "../../mod.ts"
import { sweepOnce } from "../../server/gc-sweep.ts"
import { inProcess } from "../cli/_flwd.ts"
import { examples, startEngine, tempDir } from "../helpers/engine.ts"
import { auth, jobsRoot, jsonHeaders, repoRoot, spawnListening } from "../server/_helpers.ts"

t.setTimeout(300_000)

/** Polls `what` until `done` holds or 60 s pass (a loaded machine), and returns the last value. */
async function until<A>(what: () => Promise<A>, done: (a: A) => boolean): Promise<A> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const value = await what()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test("a source the CLI adds or removes on a server's data directory is served, then dropped, without a restart", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "flwd-shared-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dataDir = join(dir, "data")
  mkdirSync(join(dir, "jobs"))
  cpSync(join(examples, "hello-world"), join(dir, "team", "hello-world"), { recursive: true })
  const server = await spawnListening(
    [join(repoRoot, "server/main.ts"), "--bind", "127.0.0.1:0", "--root", join(dir, "jobs"), "--data-dir", dataDir],
    { FLWD_TOKENS: "all:*" },
    dir
  )
  t.teardown(() => void server.child.kill("SIGKILL"))
  const names = async () =>
    ((await (await fetch(`${server.url}/sources`, { headers: auth() })).json()) as { items: Array<{ name: string }> }).items.map((s) => s.name)
  t.notOk((await names()).includes("team"))

  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }
  const added = await inProcess(["--data-dir", dataDir, ":sources", "add", "--type", "local", "--name", "team", "--path", "./team"], dir, env)
  t.equal(added.code, 0, added.stderr)
  // The CLI says a live server owns the data directory, once, on stderr, and how to use it instead.
  const warnings = added.stderr.split("\n").filter((l) => l.includes(server.url))
  t.equal(warnings.length, 1, added.stderr)
  t.match(warnings[0], `--remote ${server.url}`)
  const listed = await inProcess(["--data-dir", dataDir, ":sources", "--json"], dir, env)
  t.doesNotThrow(() => JSON.parse(listed.stdout), "stdout stays the JSON document")
  t.match(listed.stderr, `--remote ${server.url}`)

  t.ok((await until(names, (n) => n.includes("team"))).includes("team"), "GET /sources lists the source the CLI added")
  const plan = await fetch(`${server.url}/plans`, {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ job: "team/hello-world", args: { name: "A" } })
  })
  const body = (await plan.json()) as Record<string, unknown>
  t.equal(plan.status, 200, JSON.stringify(body))

  const removed = await inProcess(["--data-dir", dataDir, ":sources", "remove", "team"], dir, env)
  t.equal(removed.code, 0, removed.stderr)
  t.notOk((await until(names, (n) => !n.includes("team"))).includes("team"), "GET /sources no longer lists it")
  const gone = await fetch(`${server.url}/plans`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "team/hello-world" }) })
  t.match(await gone.json(), { code: "job.not.found" })

  // Once the server is gone, no warning.
  server.child.kill("SIGTERM")
  await server.exited
  const after = await inProcess(["--data-dir", dataDir, ":sources"], dir, env)
  t.notMatch(after.stderr, "--remote")
})

t.test("a collection on one engine keeps what a source another engine just stored refers to", async (t) => {
  // A source kind whose gc hook records the source names it is told to keep.
  const kept: Array<ReadonlyArray<string>> = []
  const keeper = defineSourcePlugin({
    type: "keeper",
    spec: sourceSpec("keeper", {}),
    gc: (ctx) =>
      Effect.sync(() => {
        kept.push(ctx.sources.map((s) => s.name))
        return { removed: 0, bytes: 0 }
      }),
    make: Effect.succeed({ load: () => Effect.succeed({ root: jobsRoot, jobs: [], diagnostics: [], provenance: {} }) })
  })
  const dataDir = tempDir(t)
  const a = await startEngine(t, { root: jobsRoot, dataDir, config: false, plugins: { sources: [keeper] } })
  const b = await startEngine(t, { root: jobsRoot, dataDir, config: false, plugins: { sources: [keeper] } })
  await a.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "keeper", name: "fresh" })))
  // No wait: the store holds the record now, so B's collection must count it.
  await sweepOnce(b)
  t.same(kept, [["default", "fresh"]])
})
