/**
 * The PostgreSQL store's signals against a real PostgreSQL: what one
 * store instance commits wakes subscribers of another, and a listen
 * connection that is cut gives `Resync` and then keeps delivering.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import type * as Context from "effect/Context"
import t from "tap"
import type { Test } from "tap"
import { Store } from "../../../../core/engine/store.ts"
import type { StoreSignal } from "../../../../core/engine/store.ts"
import { layer } from "../../../../plugins/stores/postgres/mod.ts"
import { makeRun, makeSource } from "../../../conformance/store.ts"
import { startPostgres } from "../../../helpers/postgres.ts"

t.setTimeout(600_000)

const pg = await startPostgres(t)
const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const at = "2025-01-01T00:00:00.000Z"

type StoreService = Context.Tag.Service<Store>

async function open(t: Test, schema: string): Promise<StoreService> {
  const runtime = ManagedRuntime.make(layer({ url: pg.url, schema, leaseMs: 1000 }))
  t.teardown(() => runtime.dispose())
  return runtime.runPromise(Store)
}

/** Collects what `store.signals` brings until the end of `t`. */
function follow(t: Test, store: StoreService): Array<StoreSignal> {
  const seen: Array<StoreSignal> = []
  if (store.signals === undefined) throw new Error("the PostgreSQL store has no signals")
  const fiber = Effect.runFork(Stream.runForEach(store.signals, (signal) => Effect.sync(() => seen.push(signal))))
  t.teardown(() => Effect.runPromise(Fiber.interrupt(fiber)))
  return seen
}

/** Polls `done` until it holds or `ms` pass; returns whether it held. */
async function until(done: () => boolean | Promise<boolean>, ms = 120_000): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await done()) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const hasEvents = (seen: ReadonlyArray<StoreSignal>, latest: number) => seen.some((s) => s._tag === "Events" && s.latest === latest)

/** Appends on `writer` until `seen` shows it: the subscription is then live. */
async function live(writer: StoreService, seen: ReadonlyArray<StoreSignal>): Promise<boolean> {
  return until(async () => {
    const [event] = await run(writer.appendEvents([{ run_id: null, type: "log", at, data: { probe: true } }]))
    return until(() => hasEvents(seen, event.id), 500)
  })
}

const source = (name: string) => makeSource(name, { job_count: 1, created_at: at, updated_at: at })

t.test("what one engine commits wakes every subscriber on another", async (t) => {
  const schema = pg.freshSchema()
  const a = await open(t, schema)
  const b = await open(t, schema)
  const first = follow(t, b)
  const second = follow(t, b)
  t.ok(await live(a, first), "the first subscriber hears A")
  t.ok(await live(a, second), "the second too")

  const events = await run(a.appendEvents([
    { run_id: "r", type: "log", at, data: {} },
    { run_id: "r", type: "log", at, data: {} }
  ]))
  t.ok(await until(() => hasEvents(first, events[1].id) && hasEvents(second, events[1].id)), "an append: Events with the batch's last id, to both")

  const count = (seen: ReadonlyArray<StoreSignal>, tag: StoreSignal["_tag"]) => seen.filter((s) => s._tag === tag).length
  await run(a.insertRun(makeRun("queued", 1), { dispatch: { request: { job: "hello" }, job_key: "default/hello", job_limit: 0 } }))
  t.ok(await until(() => count(first, "Runs") === 1 && count(second, "Runs") === 1), "a dispatched run: Runs")

  await run(a.queue!.claim(1))
  await run(a.queue!.requestCancel("queued", at, "r"))
  t.ok(await until(() => first.some((s) => s._tag === "Cancel" && s.run_id === "queued")), "a cancel request: Cancel with the run's id")

  await run(a.putSource(source("tools")))
  t.ok(await until(() => count(first, "Sources") === 1), "a source put: Sources")
  await run(a.removeSource("tools"))
  t.ok(await until(() => count(first, "Sources") === 2), "a source removed: Sources")
  await run(a.removeSource("tools"))
  await run(a.putSource(source("marker")))
  t.ok(await until(() => count(first, "Sources") === 3), "a later put is heard")
  t.equal(count(first, "Sources"), 3, "removing nothing signals nothing")
  t.equal(count(first, "Resync"), 0, "no Resync while the connection holds")
})

t.test("a payload the store did not write is taken as Resync", async (t) => {
  const schema = pg.freshSchema()
  const a = await open(t, schema)
  const seen = follow(t, a)
  t.ok(await live(a, seen))
  for (const payload of ["garbage", "e12x", "r1", "c", "s!"]) pg.psql(`SELECT pg_notify('${schema}', '${payload}')`)
  t.ok(await until(() => seen.filter((s) => s._tag === "Resync").length === 5), "five Resyncs")
  t.notOk(seen.some((s) => s._tag === "Cancel" || s._tag === "Runs" || s._tag === "Sources"), "and nothing else")
})

t.test("a terminated listen connection gives Resync, and signals keep flowing", async (t) => {
  const schema = pg.freshSchema()
  const a = await open(t, schema)
  const b = await open(t, schema)
  const seen = follow(t, b)
  t.ok(await live(a, seen))
  const listener = () => pg.psql(`SELECT pid FROM pg_stat_activity WHERE query ILIKE 'listen%${schema}%'`).trim()
  const pid = listener()
  t.match(pid, /^[0-9]+$/, "one listen connection")
  pg.psql(`SELECT pg_terminate_backend(${pid})`)
  t.ok(await until(() => seen.some((s) => s._tag === "Resync")), "Resync once listening again")
  t.not(listener(), pid, "on a new connection")
  const [event] = await run(a.appendEvents([{ run_id: null, type: "log", at, data: {} }]))
  t.ok(await until(() => hasEvents(seen, event.id)), "and the next append is heard")
})

t.test("changeToken() moves when any engine puts or removes a source, and only then", async (t) => {
  const schema = pg.freshSchema()
  const a = await open(t, schema)
  const b = await open(t, schema)
  const token = () => run(b.changeToken!())
  const start = await token()
  await run(a.appendEvents([{ run_id: null, type: "log", at, data: {} }]))
  await run(a.insertRun(makeRun("r", 1)))
  t.equal(await token(), start, "runs and events leave it")
  await run(a.putSource(source("tools")))
  const afterPut = await token()
  t.not(afterPut, start, "a put moves it")
  await run(a.removeSource("nothing"))
  t.equal(await token(), afterPut, "removing nothing leaves it")
  await run(a.removeSource("tools"))
  t.not(await token(), afterPut, "a removal moves it")
})
