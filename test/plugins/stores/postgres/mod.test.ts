/**
 * The PostgreSQL store against a real PostgreSQL: a throwaway cluster for
 * this file, a fresh schema per case.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Context from "effect/Context"
import t from "tap"
import type { Test } from "tap"
import { Store } from "../../../../core/engine/store.ts"
import { layer } from "../../../../plugins/stores/postgres/mod.ts"
import type { Options } from "../../../../plugins/stores/postgres/mod.ts"
import { schemaVersion } from "../../../../plugins/stores/postgres/_migrations.ts"
import { makeRun, storeConformance } from "../../../conformance/store.ts"
import { startPostgres } from "../../../helpers/postgres.ts"
import { settle as until } from "../../../helpers/processes.ts"
import { untracked } from "../../../helpers/untracked.ts"

t.setTimeout(600_000)

const pg = await startPostgres(t)
const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const at = "2025-01-01T00:00:00.000Z"
const allVersions = Array.from({ length: schemaVersion }, (_, i) => i + 1).join(",")
const node = process.execPath
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** Opens a store until `close()` (or the end of `t`). */
async function open(t: Test, options: Options) {
  const runtime = ManagedRuntime.make(layer(options))
  t.teardown(() => runtime.dispose())
  const store: Context.Tag.Service<Store> = await runtime.runPromise(Store)
  return { store, close: () => runtime.dispose() }
}

const failure = (options: Options) => run(Effect.flip(Effect.provide(Store, layer(options))))

const logs = (run_id: string, n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ run_id, type: "log" as const, at, data: { i, ...extra } }))

/** Starts `script` on the project's Node (`env` execs it, so SIGKILL reaches it, not a wrapper). */
async function child(t: Test, script: string, args: ReadonlyArray<string>) {
  const proc = spawn(...untracked([node, script, ...args]), { stdio: ["ignore", "pipe", "pipe"] })
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on("exit", (code, signal) => resolve(signal ?? code)))
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL")
  })
  let stdout = ""
  let stderr = ""
  proc.stdout.on("data", (chunk) => (stdout += chunk))
  proc.stderr.on("data", (chunk) => (stderr += chunk))
  return { proc, exited, output: () => ({ stdout, stderr }) }
}

t.test("layer() passes the Store conformance suite", async (t) => {
  storeConformance(t, () => layer({ url: pg.url, schema: pg.freshSchema() }), () => {
    const schema = pg.freshSchema()
    return () => layer({ url: pg.url, schema, leaseMs: 1000 })
  })
})

t.test("layer() connects over a unix socket and keeps everything across a reopen", async (t) => {
  const schema = pg.freshSchema()
  const first = await open(t, { url: pg.socketUrl, schema })
  await run(first.store.insertRun(makeRun("r1", 1)))
  const events = await run(first.store.appendEvents(logs("r1", 3)))
  await run(first.store.putIdempotency({ key: "k", request_hash: "h", run_id: "r1", created_at: "x" }))

  const socketBackends = () =>
    pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'flwd' AND client_addr IS NULL AND datname = 'flwd'`).trim()
  t.not(socketBackends(), "0", "the store's connections came over the socket")
  await first.close()
  t.equal(await until(async () => socketBackends(), (n) => n === "0"), "0", "and were closed with the store")

  const second = await open(t, { url: pg.url, schema })
  t.same(await run(second.store.getRun("r1")), makeRun("r1", 1))
  t.same(await run(second.store.listEvents({ run_id: "r1" })), events)
  t.equal((await run(second.store.getIdempotency("k")))?.run_id, "r1")
  const [next] = await run(second.store.appendEvents(logs("r1", 1)))
  t.equal(next.id, events[2].id + 1, "ids go on from where they were")
  t.equal(pg.psql(`SELECT string_agg(version::text, ',' ORDER BY version) FROM ${schema}.schema_migrations`).trim(), allVersions)
})

t.test("layer() migrates a fresh schema once when many engines start at once", async (t) => {
  const schema = pg.freshSchema()
  const stores = await Promise.all(Array.from({ length: 8 }, () => open(t, { url: pg.url, schema })))
  t.equal(stores.length, 8, "every engine started")
  t.equal(pg.psql(`SELECT count(*) FROM ${schema}.schema_migrations`).trim(), String(schemaVersion), "each migration ran once")
  t.equal(pg.psql(`SELECT count(*) FROM ${schema}.journal_head`).trim(), "1")
  // They share one state.
  await run(stores[0].store.insertRun(makeRun("shared", 1)))
  t.equal((await run(stores[7].store.getRun("shared")))?.id, "shared")
})

t.test("layer() refuses a schema migrated by a newer flwd", async (t) => {
  const schema = pg.freshSchema()
  const { close } = await open(t, { url: pg.url, schema })
  await close()
  pg.psql(`INSERT INTO ${schema}.schema_migrations (version) VALUES (99)`)
  const error = await failure({ url: pg.url, schema })
  t.equal(error.code, "store.failed")
  t.match(error.detail, `schema version 99 is newer than this flwd supports (${schemaVersion})`)
})

t.test("layer() rejects bad options with config.invalid naming the field", async (t) => {
  const cases: ReadonlyArray<[Options, string]> = [
    [{ url: "mysql://db/flwd" }, "url"],
    [{ url: "postgres://" + "h".repeat(3000) }, "url"],
    [{ url: `${pg.url}?search_path=public` }, "url"],
    [{ url: pg.url, schema: "Flwd; DROP TABLE runs" }, "schema"],
    [{ url: pg.url, schema: "1st" }, "schema"],
    [{ url: pg.url, leaseMs: 10 }, "leaseMs"]
  ]
  for (const [options, path] of cases) {
    const error = await failure(options)
    t.equal(error.code, "config.invalid", JSON.stringify(options).slice(0, 80))
    t.same(error.errors?.map((e) => e.path), [path])
  }
})

t.test("layer() fails with store.failed when the database cannot be reached, without the password", async (t) => {
  const error = await failure({ url: `postgres://flwd:s3cret-word@127.0.0.1:1/flwd`, schema: pg.freshSchema() })
  t.equal(error.code, "store.failed")
  t.match(error.detail, /^connect postgres:\/\/flwd:\*\*\*@127\.0\.0\.1:1\/flwd: /)
  t.notMatch(error.detail, /s3cret/)
  t.notMatch(error.detail, /\n/)
})

t.test("appendEvents() rolls back the whole batch when one event fails", async (t) => {
  const { store } = await open(t, { url: pg.url, schema: pg.freshSchema() })
  const batch = [...logs("r1", 2), { run_id: "r1", type: "log" as const, at, data: { big: 1n } }]
  const error = await run(Effect.flip(store.appendEvents(batch)))
  t.equal(error.code, "store.failed")
  t.match(error.detail, /^appendEvents: /)
  t.same(await run(store.listEvents({})), [], "no event of the batch was kept")
  t.equal(await run(store.latestEventId()), 0, "no id was used up")
  t.same((await run(store.appendEvents(logs("r1", 1)))).map((e) => e.id), [1], "the store still works")
})

t.test("a row written wrongly fails as store.failed naming it, instead of travelling on", async (t) => {
  const schema = pg.freshSchema()
  const { store } = await open(t, { url: pg.url, schema })
  await run(store.insertRun(makeRun("r1", 1)))
  await run(store.putSource({
    name: "tools",
    type: "local",
    spec: { type: "local", name: "tools", path: "jobs" },
    status: "ready",
    provenance: {},
    error: null,
    job_count: 1,
    diagnostics: [],
    created_at: at,
    updated_at: at
  }))
  pg.psql(`UPDATE ${schema}.runs SET record = '{"id": "r1", "status": 7}'`)
  pg.psql(`UPDATE ${schema}.sources SET record = '{"name": "tools"}'`)
  const reads: Array<Effect.Effect<unknown, { readonly code: string; readonly detail: string }>> = [
    store.getRun("r1"),
    store.listRuns({}),
    store.getSource("tools"),
    store.listSources()
  ]
  for (const read of reads) {
    const error = await run(Effect.flip(read))
    t.equal(error.code, "store.failed")
    t.match(error.detail, /(run row r1|source row tools) does not decode/)
  }
})

t.test("records and events keep NUL characters and lone surrogates, which jsonb would refuse", async (t) => {
  const { store } = await open(t, { url: pg.url, schema: pg.freshSchema() })
  const line = "before\u0000after \ud800 end"
  const [event] = await run(store.appendEvents([{ run_id: "r1", type: "log", at, data: { line } }]))
  t.same((await run(store.listEvents({ run_id: "r1" })))[0], event)
  t.equal((await run(store.listEvents({})))[0].data.line, line)
  const r = makeRun("r1", 1, { args: { name: line } })
  await run(store.insertRun(r))
  t.same(await run(store.getRun("r1")), r)
})

t.test("a follower reading after its cursor sees every event once, in order, while engines append at once", async (t) => {
  const schema = pg.freshSchema()
  const writers = await Promise.all([open(t, { url: pg.url, schema }), open(t, { url: pg.url, schema })])
  const reader = await open(t, { url: pg.url, schema })
  const batches = 40
  let writing = true
  const appending = Promise.all(writers.flatMap(({ store }, w) =>
    // Several appends in flight per engine, over the pool's connections.
    Array.from({ length: 4 }, (_, lane) =>
      (async () => {
        for (let b = 0; b < batches; b++) await run(store.appendEvents(logs(`w${w}-${lane}`, 1 + (b % 7), { b })))
      })())
  )).finally(() => (writing = false))
  const seen: Array<number> = []
  let cursor = 0
  while (writing || cursor < (await run(reader.store.latestEventId()))) {
    const page = await run(reader.store.listEvents({ after: cursor, limit: 500 }))
    for (const e of page) seen.push(e.id)
    if (page.length > 0) cursor = page[page.length - 1].id
    else await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await appending
  const total = (await run(reader.store.listEvents({ limit: 100_000 }))).length
  t.equal(total, 2 * 4 * Array.from({ length: batches }, (_, b) => 1 + (b % 7)).reduce((a, b) => a + b, 0))
  t.same(seen, Array.from({ length: total }, (_, i) => i + 1), "the follower saw ids 1..n, none skipped")
})

t.test("failInterruptedRuns() spares runs of another open store, fails them once it is closed", async (t) => {
  const schema = pg.freshSchema()
  const owner = await open(t, { url: pg.url, schema })
  await run(owner.store.insertRun(makeRun("live", 1, { status: "running" })))
  const other = await open(t, { url: pg.url, schema })
  t.same(await run(other.store.failInterruptedRuns(at)), [])
  await owner.close()
  t.same(await run(other.store.failInterruptedRuns(at)), ["live"])
})

t.test("failInterruptedRuns() from engines starting at once fails each run once", async (t) => {
  const schema = pg.freshSchema()
  const gone = await open(t, { url: pg.url, schema })
  for (let i = 0; i < 20; i++) await run(gone.store.insertRun(makeRun(`r${i}`, i, { status: i % 2 ? "running" : "queued" })))
  await gone.close()
  const engines = await Promise.all(Array.from({ length: 4 }, () => open(t, { url: pg.url, schema })))
  const failed = await Promise.all(engines.map(({ store }) => run(store.failInterruptedRuns(at))))
  t.same(failed.flat().sort(), Array.from({ length: 20 }, (_, i) => `r${i}`).sort(), "every run failed by exactly one engine")
  const events = await run(engines[0].store.listEvents({ limit: 1000 }))
  t.equal(events.filter((e) => e.type === "run.failed").length, 20, "one run.failed each")
})

t.test("failInterruptedRuns() fails a killed engine's runs once its lease runs out, not before", async (t) => {
  const schema = pg.freshSchema()
  // Renewed every third of it: 4 s outlasts a loaded machine's pauses while the holder lives, and runs out soon after the kill.
  const holder = await child(t, fixture("lease-holder.ts"), [pg.url, schema, "4000"])
  const ready = await until(async () => holder.output().stdout, (out) => out.includes("ready") || holder.proc.exitCode !== null)
  t.match(ready, /ready/, `the holder started ${holder.output().stderr}`)
  const other = await open(t, { url: pg.url, schema })
  t.same(await run(other.store.failInterruptedRuns(at)), [], "a live engine's run is spared")

  holder.proc.kill("SIGKILL")
  t.equal(await holder.exited, "SIGKILL")
  const failed = await until(() => run(other.store.failInterruptedRuns(at)), (ids) => ids.length > 0)
  t.same(failed, ["held"], "failed once the lease ran out")
  t.match(await run(other.store.getRun("held")), { status: "failed", error: { code: "engine.restarted" } })
  t.equal(pg.psql(`SELECT count(*) FROM ${schema}.owners`).trim(), "1", "the dead engine's lease is gone, the live one's kept")
})

t.test("importing the store loads no driver; building its layer does", async (t) => {
  const loader = await child(t, fixture("load-modules.ts"), [pg.url, pg.freshSchema()])
  t.equal(await loader.exited, 0, loader.output().stderr)
  const { byImport, byLayer } = JSON.parse(loader.output().stdout) as { byImport: Array<string>; byLayer: Array<string> }
  const driver = (url: string) => /\/node_modules\/postgres\//.test(url)
  t.ok(byImport.some((url) => url.endsWith("/plugins/stores/postgres/mod.ts")), "the hook saw the store load")
  t.same(byImport.filter(driver), [], "nothing of the driver before the layer is built")
  t.ok(byLayer.some(driver), "the driver loaded when the layer was built")
})

t.test("failInterruptedRuns() kills what a failed run left running on this host, and only runs of this host", async (t) => {
  const schema = pg.freshSchema()
  const tag = `${process.pid}_${Date.now()}`
  const sleeper = (runId: string) => {
    // A step that outlived its engine, found by its run marker.
    const proc = spawn("sleep", ["600"], { stdio: "ignore", env: { PATH: process.env.PATH, FLWD_RUN_ID: runId } })
    t.teardown(() => void proc.kill("SIGKILL"))
    // Started once `sleep` runs with the marker (before its exec, the child has this process's environment).
    const started = until(async () => {
      try {
        return readFileSync(`/proc/${proc.pid}/environ`, "utf8").includes(`FLWD_RUN_ID=${runId}`)
      } catch {
        return false
      }
    }, (ok) => ok)
    return { proc, started }
  }
  const gone = await open(t, { url: pg.url, schema })
  await run(gone.store.insertRun(makeRun(`here_${tag}`, 1, { status: "running" })))
  await gone.close()
  const here = sleeper(`here_${tag}`)
  // A run another host was executing when it died: nothing of it runs here to kill.
  const elsewhere = makeRun(`elsewhere_${tag}`, 2, { status: "running" })
  pg.psql(`INSERT INTO ${schema}.runs (id, job_id, status, created_at, record, owner) VALUES
    ('${elsewhere.id}', 'hello', 'running', '${elsewhere.created_at}', '${JSON.stringify(elsewhere)}', 'other-host:1:x')`)
  const there = sleeper(`elsewhere_${tag}`)
  t.ok(await here.started && await there.started, "both leftovers run")

  const { store } = await open(t, { url: pg.url, schema })
  t.same([...(await run(store.failInterruptedRuns(at)))].sort(), [`elsewhere_${tag}`, `here_${tag}`])
  t.equal(await until(async () => here.proc.signalCode, (signal) => signal !== null), "SIGKILL", "this host's leftover was killed")
  t.equal(there.proc.exitCode ?? there.proc.signalCode, null, "a process is not killed for another host's run")
})
