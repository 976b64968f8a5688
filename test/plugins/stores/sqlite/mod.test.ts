import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Context from "effect/Context"
import t from "tap"
import type { Test } from "tap"
import { Store } from "../../../../core/engine/store.ts"
import { layer } from "../../../../plugins/stores/sqlite/mod.ts"
import { schemaVersion } from "../../../../plugins/stores/sqlite/_schema.ts"
import { makeRun, storeConformance } from "../../../conformance/store.ts"
import { untracked } from "../../../helpers/untracked.ts"

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-sqlite-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Opens the store at `path` until `close()` (or the end of `t`). */
async function open(t: Test, path: string) {
  const runtime = ManagedRuntime.make(layer({ path }))
  t.teardown(() => runtime.dispose())
  const store: Context.Tag.Service<Store> = await runtime.runPromise(Store)
  return { store, close: () => runtime.dispose() }
}

const logs = (run_id: string, n: number) => Array.from({ length: n }, (_, i) => ({ run_id, type: "log" as const, at: "2025-01-01T00:00:00.000Z", data: { i } }))

t.test("layer() passes the Store conformance suite", async (t) => {
  const dir = tempDir(t)
  let n = 0
  storeConformance(t, () => layer({ path: join(dir, `store-${n++}.db`) }), () => {
    const path = join(dir, `store-${n++}.db`)
    return () => layer({ path })
  })
})

t.test("layer() keeps everything across a reopen of the same file", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const first = await open(t, path)
  await run(first.store.insertRun(makeRun("r1", 1)))
  const events = await run(first.store.appendEvents(logs("r1", 3)))
  await run(first.store.putIdempotency({ key: "k", request_hash: "h", run_id: "r1", created_at: "x" }))
  await first.close()

  const second = await open(t, path)
  t.same(await run(second.store.getRun("r1")), makeRun("r1", 1))
  t.same(await run(second.store.listEvents({ run_id: "r1" })), events)
  t.equal((await run(second.store.getIdempotency("k")))?.run_id, "r1")
  const [next] = await run(second.store.appendEvents(logs("r1", 1)))
  t.ok(next.id > events[2].id, "ids keep increasing after a reopen")
})

t.test("layer() creates the file and its missing parent directories, in WAL mode", async (t) => {
  const path = join(tempDir(t), "a", "b", "c", "flwd.db")
  const { store, close } = await open(t, path)
  await run(store.insertRun(makeRun("r1", 1)))
  await close()
  const db = new DatabaseSync(path)
  t.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal")
  t.equal(db.prepare("PRAGMA user_version").get()?.user_version, schemaVersion)
  db.close()
})

t.test("layer() fails with store.failed for a file that is not a database", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  writeFileSync(path, "this is not a database, just text that is long enough ".repeat(20))
  const error = await run(Effect.flip(Effect.provide(Store, layer({ path }))))
  t.equal(error.code, "store.failed")
  t.match(error.detail, /^open .*flwd\.db: /)
  t.notMatch(error.detail, /\n| {4}at /, "no stack trace in the detail")
})

t.test("layer() refuses a file written by a newer schema", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const db = new DatabaseSync(path)
  db.exec("PRAGMA user_version = 99")
  db.close()
  const error = await run(Effect.flip(Effect.provide(Store, layer({ path }))))
  t.equal(error.code, "store.failed")
  t.match(error.detail, /schema version 99 is newer/)
})

t.test("appendEvents() rolls back the whole batch when one event fails", async (t) => {
  const { store } = await open(t, join(tempDir(t), "flwd.db"))
  const batch = [...logs("r1", 2), { run_id: "r1", type: "log" as const, at: "x", data: { big: 1n } }]
  const error = await run(Effect.flip(store.appendEvents(batch)))
  t.equal(error.code, "store.failed")
  t.match(error.detail, /^appendEvents: /)
  t.same(await run(store.listEvents({})), [], "no event of the batch was kept")
  t.equal((await run(store.appendEvents(logs("r1", 1)))).length, 1, "the store still works")
})

t.test("failInterruptedRuns() spares runs of another open store, fails them once it is closed", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const owner = await open(t, path)
  await run(owner.store.insertRun(makeRun("live", 1, { status: "running" })))
  const other = await open(t, path)
  t.same(await run(other.store.failInterruptedRuns("2025-01-01T00:00:00.000Z")), [])
  await owner.close()
  t.same(await run(other.store.failInterruptedRuns("2025-01-01T00:00:00.000Z")), ["live"])
})

t.test("the leases of a process killed before it closed its store end with it", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const script = fileURLToPath(new URL("./fixtures/lease-holder.ts", import.meta.url))
  const child = spawn(...untracked([process.execPath, script, path]), { stdio: ["ignore", "pipe", "inherit"] })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  })
  const exited = new Promise((resolve) => child.on("exit", resolve))
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("ready") && resolve(true))
    child.on("exit", () => resolve(false))
  })
  t.ok(ready, "the holder started")
  const other = await open(t, path)
  t.same(await run(other.store.heldLeases()), ["held"], "a live process's lease is listed")
  child.kill("SIGKILL")
  await exited
  t.same(await run(other.store.heldLeases()), [], "and is gone with the process, long before it expires")
})

t.test("layer() leaves a consistent database when a writing process is killed", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const script = fileURLToPath(new URL("./fixtures/append-loop.ts", import.meta.url))
  // The test runs on the project's Node 24; the child uses the same binary
  // directly so that SIGKILL reaches the writer itself, not a wrapper.
  const child = spawn(...untracked([process.execPath, script, path]), { stdio: ["ignore", "pipe", "pipe"] })
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)))
  let stderr = ""
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("ready") && resolve(true))
    child.on("exit", () => resolve(false))
  })
  t.ok(ready, `the writer started ${ready ? "" : stderr}`)

  // Another process reading while the writer commits: whole batches only.
  const reader = await open(t, path)
  let seen = 0
  for (let i = 0; i < 5; i++) {
    const events = await run(reader.store.listEvents({ run_id: "writer", limit: 10_000_000 }))
    t.equal(events.length % 1000, 0, "a reader sees only committed batches")
    t.ok(events.length >= seen, "the journal only grows")
    seen = events.length
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  // Another engine starting on the same file leaves the live writer's run alone.
  t.same(await run(reader.store.failInterruptedRuns("2025-01-01T00:00:00.000Z")), [], "a live owner's run is not failed")
  await reader.close()

  child.kill("SIGKILL")
  t.equal(await exited, "SIGKILL")

  const db = new DatabaseSync(path)
  t.equal(db.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok")
  const batches = db.prepare(
    `SELECT json_extract(data, '$.batch') AS batch, count(*) AS n, max(id) - min(id) + 1 AS span
     FROM events GROUP BY batch ORDER BY batch`
  ).all()
  db.close()
  t.ok(batches.length >= 1)
  t.ok(batches.every((b, i) => b.batch === i && b.n === 1000 && b.span === 1000), "every batch is whole and contiguous")

  const after = await open(t, path)
  t.equal((await run(after.store.getRun("writer")))?.status, "running")
  t.equal((await run(after.store.failInterruptedRuns("2025-01-01T00:00:00.000Z"))).length, 1)
  const more = await run(after.store.appendEvents(logs("writer", 10)))
  t.equal(more.length, 10, "the database takes new writes")
})
