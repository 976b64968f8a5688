/**
 * `flwd :jobs` on an unchanged tree is answered from the listing cache in
 * the data directory: the same table, diagnostics, JSON and ids as the
 * engine's listing, byte for byte, without starting the engine (seen by a
 * module hook on the real binary: no Effect loaded). A job added, edited,
 * broken or removed, a source added and a run each make the next listing
 * ask the engine again.
 */
import t, { type Test } from "tap"
import { spawn } from "node:child_process"
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { startPostgres } from "../helpers/postgres.ts"
import { untracked } from "../helpers/untracked.ts"
import { binJs, collect, repo, type Sandbox, sandbox } from "./_flwd.ts"

t.setTimeout(300_000)

const hook = join(repo, "test/cli/_module-log.ts")

interface Listing {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly engine: boolean
}

/** `flwd :jobs <args>` with the real binary; what it printed and whether it started the engine. */
async function jobs(box: Sandbox, args: ReadonlyArray<string> = [], env: Readonly<Record<string, string>> = {}): Promise<Listing> {
  const log = join(box.cwd, `modules-${Math.random().toString(36).slice(2)}.log`)
  // As a shell would start it: without the test runner's NODE_OPTIONS loaders.
  const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FLWD_TEST_MODULE_LOG: log, ...env }
  const child = spawn(...untracked([process.execPath, "--import", hook, binJs, "--data-dir", box.dataDir, ":jobs", ...args], childEnv), {
    cwd: box.cwd,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"]
  })
  const r = await collect(child)
  const modules = readFileSync(log, "utf8").split("\n")
  rmSync(log)
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, engine: modules.some((m) => /node_modules\/effect\/|\/create-engine\.ts$/.test(m)) }
}

function addJob(box: Sandbox, id: string, config = "summary: Added\ncommand: ./run.sh\n"): void {
  const dir = join(box.root, id)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "run.sh"), "#!/bin/sh\necho added\n")
  chmodSync(join(dir, "run.sh"), 0o755)
  writeFileSync(join(dir, "config.yaml"), config)
}

/** Lists twice; the second must print exactly what the engine printed, without the engine. */
async function listedTwice(t: Test, box: Sandbox, args: ReadonlyArray<string> = []): Promise<Listing> {
  const first = await jobs(box, args)
  t.equal(first.code, 0, first.stderr)
  t.equal(first.engine, true, "the first listing asks the engine")
  const second = await jobs(box, args)
  t.same(second, { ...first, engine: false }, `:jobs ${args.join(" ")} again: the same output, no engine`)
  return second
}

t.test(":jobs again on an unchanged tree prints the same table, diagnostics, JSON and ids without the engine", async (t) => {
  const box = sandbox(t)
  addJob(box, "team/broken", "summary: [unclosed\n")
  const table = await listedTwice(t, box)
  t.match(table.stdout, /hello-world/)
  t.match(table.stderr, /team\/broken\/config\.yaml/, "the broken definition is reported from the cache too")
  // The ids are the cached table's first column (the JSON's listing, below, touches the database: it is read first).
  const ids = await jobs(box, ["--ids"])
  t.same({ ...ids, stdout: "" }, { code: 0, stdout: "", stderr: "", engine: false }, ":jobs --ids from the cache")
  const json = await listedTwice(t, box, ["--json"])
  const listed = (JSON.parse(json.stdout) as { items: Array<{ id: string }> }).items.map((j) => j.id)
  t.ok(listed.includes("hello-world"))
  t.equal(ids.stdout, listed.map((id) => `${id}\n`).join(""), "the same ids, in the same order")
})

t.test("a cached :jobs warns of a live server on its data directory as the engine's listing does", async (t) => {
  const box = sandbox(t)
  // This test process stands for the server: alive, and not the CLI's own.
  mkdirSync(join(box.dataDir, "servers"), { recursive: true })
  writeFileSync(join(box.dataDir, "servers", `${process.pid}.json`), JSON.stringify({ pid: process.pid, url: "http://127.0.0.1:9" }))
  const again = await listedTwice(t, box)
  t.match(again.stderr, new RegExp(`a server \\(pid ${process.pid}\\) serves .*--remote http://127\\.0\\.0\\.1:9`))
})

t.test("a job added, edited, broken or removed and a source added or removed show at the next :jobs; a run keeps the cache", async (t) => {
  const box = sandbox(t)
  await listedTwice(t, box)
  addJob(box, "team/added")
  const added = await jobs(box)
  t.match(added.stdout, /team\/added +Added/, "a new job directory")
  writeFileSync(join(box.root, "team/added/config.yaml"), "summary: Edited\ncommand: ./run.sh\n")
  t.match((await jobs(box)).stdout, /team\/added +Edited/, "an edited summary")
  writeFileSync(join(box.root, "team/added/config.yaml"), "summary: [unclosed\n")
  const broken = await jobs(box)
  t.notMatch(broken.stdout, /team\/added/, "a config.yaml that no longer parses")
  t.match(broken.stderr, /team\/added\/config\.yaml/)
  rmSync(join(box.root, "team"), { recursive: true })
  const removed = await jobs(box)
  t.notMatch(removed.stdout + removed.stderr, /team\/added/, "a removed job")
  const other = join(box.cwd, "other")
  mkdirSync(join(other, "extra"), { recursive: true })
  writeFileSync(join(other, "extra", "config.yaml"), "summary: Elsewhere\ncommand: ./run.sh\n")
  writeFileSync(join(other, "extra", "run.sh"), "#!/bin/sh\n", { mode: 0o755 })
  const source = await box.flwd([":sources", "add", "--type", "local", "--name", "more", "--path", other])
  t.equal(source.code, 0, source.stderr)
  t.match((await jobs(box)).stdout, /more\/extra +Elsewhere +more/, "a source added to the data directory")
  t.equal((await jobs(box)).engine, false, "and cached again")
  const ran = await box.flwd(["hello-world", "--name", "cache"])
  t.equal(ran.code, 0, ran.stderr)
  t.equal((await jobs(box)).engine, false, "a run changes no source: still cached")
  const dropped = await box.flwd([":sources", "remove", "more"])
  t.equal(dropped.code, 0, dropped.stderr)
  const afterRemove = await jobs(box)
  t.equal(afterRemove.engine, true, "a source removed: the engine lists")
  t.notMatch(afterRemove.stdout, /more\/extra/)
})

t.test("with a PostgreSQL store, whose changes no file in the data directory shows, :jobs always asks the engine", async (t) => {
  const pg = await startPostgres(t)
  const box = sandbox(t)
  for (const env of [{}, { FLWD_STORE: pg.url }] as ReadonlyArray<Record<string, string>>) {
    const args = "FLWD_STORE" in env ? [] : ["--store", pg.url]
    const first = await jobs(box, args, env)
    t.equal(first.code, 0, first.stderr)
    const second = await jobs(box, args, env)
    t.same(second, first, "the same listing, from the engine")
    t.equal(second.engine, true)
  }
  const other = join(box.cwd, "other")
  mkdirSync(join(other, "extra"), { recursive: true })
  writeFileSync(join(other, "extra", "config.yaml"), "summary: Elsewhere\ncommand: ./run.sh\n")
  writeFileSync(join(other, "extra", "run.sh"), "#!/bin/sh\n", { mode: 0o755 })
  const source = await box.flwd(["--store", pg.url, ":sources", "add", "--type", "local", "--name", "more", "--path", other])
  t.equal(source.code, 0, source.stderr)
  t.match((await jobs(box, ["--store", pg.url])).stdout, /more\/extra +Elsewhere +more/, "a source added shows at once")
})
