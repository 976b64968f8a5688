/**
 * The PostgreSQL store's run queue against a real PostgreSQL: several store
 * instances on one schema stand for engines on several hosts, and a child
 * process killed with SIGKILL for an engine that dies.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Context from "effect/Context"
import t from "tap"
import type { Test } from "tap"
import type { PlanRequest } from "../../../../core/domain/plan.ts"
import { Store } from "../../../../core/engine/store.ts"
import type { RunQueue } from "../../../../core/engine/store.ts"
import { layer } from "../../../../plugins/stores/postgres/mod.ts"
import { makeRun } from "../../../conformance/store.ts"
import { settle as until } from "../../../helpers/processes.ts"
import { startPostgres } from "../../../helpers/postgres.ts"
import { untracked } from "../../../helpers/untracked.ts"

t.setTimeout(900_000)

const pg = await startPostgres(t)
const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const at = "2025-01-01T00:00:00.000Z"
const LEASE_MS = 1000

type StoreService = Context.Tag.Service<Store>

/** `n` store instances on one new schema, each with its queue. */
async function engines(t: Test, n: number, schema = pg.freshSchema()) {
  const out: Array<{ store: StoreService; queue: RunQueue; close: () => Promise<void> }> = []
  for (let i = 0; i < n; i++) {
    const runtime = ManagedRuntime.make(layer({ url: pg.url, schema, leaseMs: LEASE_MS }))
    t.teardown(() => runtime.dispose())
    const store = await runtime.runPromise(Store)
    if (store.queue === undefined) throw new Error("the PostgreSQL store has no queue")
    out.push({ store, queue: store.queue, close: () => runtime.dispose() })
  }
  return { schema, engines: out }
}

const request = (job: string): PlanRequest => ({ job, args: { name: "world" } })
const dispatch = (job: string, job_limit = 0, secret = false) => ({
  dispatch: { request: secret ? null : request(job), job_key: `default/${job}`, job_limit }
})

const owners = (schema: string) =>
  new Map(pg.psql(`SELECT id, coalesce(owner, '') FROM ${schema}.runs`).trim().split("\n").filter(Boolean).map((line) => line.split("|") as [string, string]))

t.test("three engines claiming 300 dispatched runs at once claim each exactly once, each batch oldest first", async (t) => {
  const { schema, engines: [a, b, c] } = await engines(t, 3)
  for (let i = 0; i < 300; i++) await run(a.store.insertRun(makeRun(`r${String(i).padStart(3, "0")}`, i), dispatch("hello")))
  t.equal(owners(schema).get("r000"), "", "a dispatched run has no owner until claimed")
  const drain = async (engine: typeof a) => {
    const got: Array<string> = []
    for (;;) {
      const batch = await run(engine.queue.claim(7))
      if (batch.length === 0) return got
      for (const claimed of batch) {
        t.same(claimed.request, request("hello"), "with the request to plan again")
        t.equal(claimed.run.status, "queued")
      }
      const ids = batch.map((claimed) => claimed.run.id)
      if (ids.join() !== [...ids].sort().join()) t.fail(`a batch out of age order: ${ids.join()}`)
      got.push(...ids)
    }
  }
  const claimed = await Promise.all([a, b, c].map(drain))
  const all = claimed.flat()
  t.equal(all.length, 300, "300 claims")
  t.equal(new Set(all).size, 300, "of 300 different runs")
  const byOwner = owners(schema)
  for (const [i, engine] of [a, b, c].entries()) {
    t.ok(claimed[i].every((id) => byOwner.get(id) === engine.queue.node), "the store records each claimer as the owner")
  }
  t.same(await run(b.queue.claim(10)), [], "nothing is left")
})

t.test("a job's limit holds across engines while they claim and finish its runs", async (t) => {
  const { engines: list } = await engines(t, 3)
  const [a] = list
  for (let i = 0; i < 30; i++) await run(a.store.insertRun(makeRun(`limited${String(i).padStart(2, "0")}`, i), dispatch("limited", 2)))
  for (let i = 0; i < 10; i++) await run(a.store.insertRun(makeRun(`free${i}`, 100 + i), dispatch("free")))
  // A run counts here from its claim's return to just before its finish is
  // written, a part of the time the store counts it: what is seen here can
  // only be less than what the store saw.
  let active = 0
  let most = 0
  const finished: Array<string> = []
  const work = async (engine: typeof a) => {
    for (let idle = 0; idle < 3;) {
      const batch = await run(engine.queue.claim(5))
      const limited = batch.filter((claimed) => claimed.run.id.startsWith("limited"))
      active += limited.length
      most = Math.max(most, active)
      if (batch.length === 0) {
        idle++
        await new Promise((resolve) => setTimeout(resolve, 20))
        continue
      }
      idle = 0
      for (const claimed of batch) {
        await run(engine.store.updateRun(claimed.run.id, { status: "running", started_at: at }))
        if (claimed.run.id.startsWith("limited")) active--
        await run(engine.store.updateRun(claimed.run.id, { status: "succeeded", exit_code: 0, finished_at: at }))
        finished.push(claimed.run.id)
      }
    }
  }
  await Promise.all(list.map(work))
  t.equal(most, 2, "at most two runs of the limited job were claimed or running at once, and two were")
  t.equal(finished.length, 40, "every run was claimed and finished")
  t.equal(new Set(finished).size, 40, "once")
})

t.test("a run of a job at its limit stays queued while younger runs of other jobs are claimed", async (t) => {
  const { engines: [a, b] } = await engines(t, 2)
  await run(a.store.insertRun(makeRun("one", 1), dispatch("solo", 1)))
  await run(a.store.insertRun(makeRun("two", 2), dispatch("solo", 1)))
  await run(a.store.insertRun(makeRun("other", 3), dispatch("other", 1)))
  t.same((await run(a.queue.claim(1))).map((c) => c.run.id), ["one"])
  t.same((await run(b.queue.claim(5))).map((c) => c.run.id), ["other"], "two waits for one")
  await run(a.store.updateRun("one", { status: "failed", finished_at: at }))
  t.same((await run(b.queue.claim(5))).map((c) => c.run.id), ["two"], "and is claimed once one is over")
})

t.test("a backlog of a job at its limit does not hold back the runs of other jobs behind it", async (t) => {
  const { engines: [a, b] } = await engines(t, 2)
  for (let i = 0; i < 50; i++) await run(a.store.insertRun(makeRun(`solo${String(i).padStart(2, "0")}`, i), dispatch("solo", 1)))
  await run(a.store.insertRun(makeRun("behind", 100), dispatch("other")))
  t.same((await run(a.queue.claim(1))).map((c) => c.run.id), ["solo00"])
  t.same((await run(b.queue.claim(1))).map((c) => c.run.id), ["behind"], "the other job's run is claimed past the backlog")
  t.same(await run(b.queue.claim(5)), [], "and no second run of the job at its limit")
})

t.test("a run with secret arguments is claimed only by the engine that accepted it", async (t) => {
  const { schema, engines: [a, b, c] } = await engines(t, 3)
  await run(a.store.insertRun(makeRun("secret", 1), dispatch("hello", 0, true)))
  await run(a.store.insertRun(makeRun("open", 2), dispatch("hello")))
  t.equal(pg.psql(`SELECT bound_to FROM ${schema}.runs WHERE id = 'secret'`).trim(), a.queue.node, "bound to its node")
  t.same((await run(b.queue.claim(10))).map((x) => x.run.id), ["open"], "another engine passes it by")
  t.same(await run(c.queue.claim(10)), [])
  const mine = await run(a.queue.claim(10))
  t.same(mine.map((x) => ({ id: x.run.id, request: x.request })), [{ id: "secret", request: null }], "its own engine claims it, without a request")
})

t.test("requestCancel() answers for unknown, over, unclaimed and claimed runs, from any engine", async (t) => {
  const { engines: [a, b] } = await engines(t, 2)
  t.same(await run(b.queue.requestCancel("nope", at, "r")), { _tag: "NotFound" })

  const done = makeRun("done", 1, { status: "succeeded", exit_code: 0, finished_at: at })
  await run(a.store.insertRun(done))
  t.same(await run(b.queue.requestCancel("done", at, "r")), { _tag: "Over", run: done })

  await run(a.store.insertRun(makeRun("waiting", 2), dispatch("hello")))
  const canceled = await run(b.queue.requestCancel("waiting", "2025-01-01T00:00:09.000Z", "canceled on request"))
  t.equal(canceled._tag, "Canceled")
  const record = await run(a.store.getRun("waiting"))
  t.match(record, { status: "canceled", finished_at: "2025-01-01T00:00:09.000Z", exit_code: null })
  t.same(canceled._tag === "Canceled" ? canceled.run : null, record, "the answer is the stored record")
  t.same((await run(a.store.listEvents({ run_id: "waiting" }))).map(({ id: _, ...e }) => e), [
    { run_id: "waiting", type: "run.canceled", at: "2025-01-01T00:00:09.000Z", data: { reason: "canceled on request" } }
  ])
  t.same(await run(a.queue.claim(10)), [], "a canceled run is not claimed")

  await run(a.store.insertRun(makeRun("taken", 3), dispatch("hello")))
  t.same((await run(a.queue.claim(1))).map((x) => x.run.id), ["taken"])
  t.same(await run(a.queue.cancelRequested(["taken", "done"])), [])
  t.same(await run(b.queue.requestCancel("taken", at, "r")), { _tag: "Requested", node: a.queue.node }, "the claimer is asked")
  t.same(await run(a.queue.cancelRequested(["taken", "done", "nope"])), ["taken"], "and sees it asked")
  t.equal((await run(a.store.getRun("taken")))?.status, "queued", "the record is its engine's to change")
  await run(a.store.updateRun("taken", { status: "running" }))
  t.same(await run(b.queue.requestCancel("taken", at, "r")), { _tag: "Requested", node: a.queue.node }, "a running run too")
})

t.test("a killed engine's runs are settled once its lease runs out: started ones fail with engine.node.lost, claimed ones return to the queue", async (t) => {
  const schema = pg.freshSchema()
  const script = fileURLToPath(new URL("./fixtures/queue-holder.ts", import.meta.url))
  const proc = spawn(...untracked([process.execPath, script, pg.url, schema, String(LEASE_MS)]), { stdio: ["ignore", "pipe", "inherit"] })
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL")
  })
  let stdout = ""
  const ready = new Promise<{ node: string; claimed: Array<string> }>((resolve, reject) => {
    proc.stdout.on("data", (chunk) => {
      stdout += chunk
      if (stdout.includes("\n")) resolve(JSON.parse(stdout.slice(0, stdout.indexOf("\n"))))
    })
    proc.on("exit", (code, signal) => reject(new Error(`the holder exited (${signal ?? code}) before it was ready`)))
  })
  const holder = await ready
  t.same([...holder.claimed].sort(), ["claimed", "running", "secret"])
  const { engines: [a, b] } = await engines(t, 2, schema)
  t.same(await run(a.queue.reapLost(at)), [], "nothing is settled while the holder's lease is live")
  t.same(await run(b.queue.claim(10)), [], "its runs are not claimed by others")
  t.same(await run(b.store.heldLeases()), ["blob:held"], "its resource lease is listed")

  const exited = new Promise((resolve) => proc.on("exit", resolve))
  proc.kill("SIGKILL")
  await exited
  // Two reapers at once, as two engines would: each run is settled once.
  const failed: Array<string> = []
  await until(async () => {
    const [x, y] = await Promise.all([run(a.queue.reapLost(at)), run(b.queue.reapLost(at))])
    failed.push(...x, ...y)
    return failed
  }, (ids) => ids.length >= 3)
  t.same([...failed].sort(), ["bound", "running", "secret"], "the started run and those only the dead engine could plan failed, once each")
  for (const id of ["bound", "running", "secret"]) {
    const record = await run(a.store.getRun(id))
    t.match(record, { status: "failed", exit_code: null, finished_at: at, error: { code: "engine.node.lost" } }, `${id} failed`)
    t.match(record?.error?.detail, holder.node, "naming the lost engine")
    const events = await run(a.store.listEvents({ run_id: id }))
    t.same(events.map(({ id: _, ...e }) => e), [{ run_id: id, type: "run.failed", at, data: record?.error }], `one run.failed for ${id}`)
  }
  t.equal((await run(a.store.getRun("claimed")))?.status, "queued", "the claimed run is queued again")
  t.same((await run(b.queue.claim(10))).map((c) => ({ id: c.run.id, request: c.request })), [{
    id: "claimed",
    request: { job: "hello", args: { name: "world" } }
  }], "and another engine claims it")
  t.equal(pg.psql(`SELECT count(*) FROM ${schema}.owners WHERE id = '${holder.node}'`).trim(), "0", "the lost engine's lease is gone")
  t.same(await run(a.queue.reapLost(at)), [], "nothing is left to settle")
  t.same(await run(b.store.heldLeases()), [], "and its resource lease ended with its engine's, long before its own time ran out")
  t.equal(pg.psql(`SELECT count(*) FROM ${schema}.leases`).trim(), "0", "its row cleaned up")
})

t.test("updateRun() refuses to change a run another live engine holds", async (t) => {
  const { engines: [a, b] } = await engines(t, 2)
  await run(a.store.insertRun(makeRun("claimed", 1), dispatch("hello")))
  await run(a.store.insertRun(makeRun("unclaimed", 2), dispatch("hello")))
  await run(a.store.insertRun(makeRun("plain", 3)))
  t.same((await run(a.queue.claim(1))).map((c) => c.run.id), ["claimed"])
  for (const id of ["claimed", "plain"]) {
    const error = await run(Effect.flip(b.store.updateRun(id, { status: "succeeded", exit_code: 0 })))
    t.equal(error.code, "store.failed", `${id}: another engine's write is refused`)
    t.match(error.detail, a.queue.node, "naming the engine that holds it")
    t.equal((await run(a.store.getRun(id)))?.status, "queued", "and nothing changed")
  }
  t.equal((await run(a.store.updateRun("claimed", { status: "running" }))).status, "running", "its own engine changes it")
  t.equal((await run(b.store.updateRun("unclaimed", { status: "canceled" }))).status, "canceled", "an unclaimed run has no holder")
  await a.close()
  t.equal((await run(b.store.updateRun("plain", { status: "failed" }))).status, "failed", "nor has a run whose engine closed")
})

t.test("failInterruptedRuns() at start leaves unclaimed queued runs to the queue", async (t) => {
  const { schema, engines: [a] } = await engines(t, 1)
  await run(a.store.insertRun(makeRun("waiting", 1), dispatch("hello")))
  await run(a.store.insertRun(makeRun("mine", 2, { status: "running" })))
  const { engines: [late] } = await engines(t, 1, schema)
  t.same(await run(late.store.failInterruptedRuns(at)), [], "a live engine's runs and the queue's are spared")
  await a.close()
  t.same(await run(late.store.failInterruptedRuns(at)), ["mine"], "the closed engine's run fails")
  t.equal((await run(late.store.getRun("waiting")))?.status, "queued", "the unclaimed run stays queued")
  t.same((await run(late.queue.claim(5))).map((c) => c.run.id), ["waiting"], "for a live engine to claim")
})

t.test("reapEveryMs is a third of the lease, and the lease defaults to 15 s", async (t) => {
  const { engines: [a] } = await engines(t, 1)
  t.equal(a.queue.reapEveryMs, Math.floor(LEASE_MS / 3))
  const runtime = ManagedRuntime.make(layer({ url: pg.url, schema: pg.freshSchema() }))
  t.teardown(() => runtime.dispose())
  const store = await runtime.runPromise(Store)
  t.equal(store.queue?.reapEveryMs, 5000)
})
