/**
 * @module
 * The behaviour every `Store` implementation must show, as a tap suite the
 * implementation's own test runs against its layer:
 *
 * ```ts
 * storeConformance(t, () => layer({ path: join(tempDir(), "flwd.db") }))
 * ```
 *
 * `makeLayer` is called once per case and must give an empty store.
 * `makeShared`, when given, is called once per case and returns a way to
 * open any number of instances on one new empty store (as several
 * processes open one file or one database): the cases where engines share
 * a store use it.
 */
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Context from "effect/Context"
import type * as Layer from "effect/Layer"
import type { Test } from "tap"
import type { Run } from "../../core/domain/run.ts"
import type { SourceRecord } from "../../core/domain/source.ts"
import { Store } from "../../core/engine/store.ts"
import { settle as until } from "../helpers/processes.ts"

type StoreService = Context.Tag.Service<Store>

const at = (second: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString()

/** A run of `job_id` created at second `second`. */
export function makeRun(id: string, second: number, fields: Partial<Run> = {}): Run {
  const job_id = fields.job_id ?? "hello"
  return {
    id,
    job_id,
    source: "default",
    status: "queued",
    profile: "secure",
    args: { name: "world" },
    exit_code: null,
    error: null,
    created_at: at(second),
    started_at: null,
    finished_at: null,
    plan: {
      job_id,
      source: "default",
      job: { name: job_id },
      args: { name: "world" },
      argspec: { args: [{ name: "name", type: "string", required: true }] },
      profile: "secure",
      executor: { kind: "process", available: true, details: {} },
      steps: [{ id: "main", argv: ["./run.sh"], needs: [] }],
      timeout_ms: 600_000,
      provenance: {},
      warnings: []
    },
    ...fields
  }
}

export function makeSource(name: string, fields: Partial<SourceRecord> = {}): SourceRecord {
  return {
    name,
    type: "local",
    spec: { type: "local", name, path: "jobs" },
    status: "ready",
    provenance: {},
    error: null,
    job_count: 2,
    diagnostics: [],
    created_at: at(0),
    updated_at: at(0),
    ...fields
  }
}

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

const failure = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

/**
 * Registers the conformance cases as subtests of `t`.
 *
 * @since 0.1.0
 */
export function storeConformance(
  t: Test,
  makeLayer: () => Layer.Layer<Store, unknown>,
  makeShared?: () => () => Layer.Layer<Store, unknown>
): void {
  const openLayer = async (t: Test, layer: Layer.Layer<Store, unknown>) => {
    const runtime = ManagedRuntime.make(layer)
    t.teardown(() => runtime.dispose())
    return { store: await runtime.runPromise(Store), close: () => runtime.dispose() }
  }
  const open = async (t: Test): Promise<StoreService> => (await openLayer(t, makeLayer())).store
  /** `n` instances on one new store. */
  const openShared = async (t: Test, n: number) => {
    const next = makeShared!()
    const out: Array<{ store: StoreService; close: () => Promise<void> }> = []
    for (let i = 0; i < n; i++) out.push(await openLayer(t, next()))
    return out
  }
  const shared = makeShared === undefined ? { skip: "no makeShared given" } : {}
  const listAll = async (store: StoreService, filter: { job_id?: string; status?: Run["status"]; limit?: number }) => {
    const pages: Array<ReadonlyArray<Run>> = []
    let cursor: string | undefined
    do {
      const page = await run(store.listRuns({ ...filter, ...(cursor ? { cursor } : {}) }))
      pages.push(page.items)
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined && pages.length < 100)
    return pages
  }

  t.test("putSource() and getSource() round-trip a record; unknown names give null", async (t) => {
    const store = await open(t)
    const source = makeSource("tools", { provenance: { digest: "sha256:ab" }, diagnostics: [{ level: "warning", code: "x", path: "a", message: "m" }] })
    await run(store.putSource(source))
    t.same(await run(store.getSource("tools")), source)
    t.equal(await run(store.getSource("missing")), null)
  })

  t.test("putSource() replaces the record with the same name", async (t) => {
    const store = await open(t)
    await run(store.putSource(makeSource("tools")))
    await run(store.putSource(makeSource("tools", { status: "failed", updated_at: at(9) })))
    t.match(await run(store.getSource("tools")), { status: "failed", updated_at: at(9) })
    t.equal((await run(store.listSources())).length, 1)
  })

  t.test("listSources() returns every source ordered by name", async (t) => {
    const store = await open(t)
    t.same(await run(store.listSources()), [])
    for (const name of ["zeta", "default", "addon"]) await run(store.putSource(makeSource(name)))
    t.same((await run(store.listSources())).map((s) => s.name), ["addon", "default", "zeta"])
  })

  t.test("removeSource() deletes a source and tells whether it existed", async (t) => {
    const store = await open(t)
    await run(store.putSource(makeSource("tools")))
    t.equal(await run(store.removeSource("tools")), true)
    t.equal(await run(store.removeSource("tools")), false)
    t.equal(await run(store.getSource("tools")), null)
  })

  t.test("insertRun() and getRun() round-trip a run; unknown ids give null", async (t) => {
    const store = await open(t)
    const r = makeRun("r1", 1)
    await run(store.insertRun(r))
    t.same(await run(store.getRun("r1")), r)
    t.equal(await run(store.getRun("nope")), null)
  })

  t.test("insertRun() with a taken idempotency key returns the first record and writes no run", async (t) => {
    const store = await open(t)
    const key = { key: "k1", request_hash: "h1", run_id: "r1", created_at: at(1) }
    t.equal(await run(store.insertRun(makeRun("r1", 1), { idempotency: key })), null, "the first insert takes the key")
    t.same(await run(store.getIdempotency("k1")), key, "and records it with the run")
    const again = await run(store.insertRun(makeRun("r2", 2), { idempotency: { ...key, request_hash: "h2", run_id: "r2", created_at: at(2) } }))
    t.same(again, key, "the second is told who holds the key")
    t.equal(await run(store.getRun("r2")), null, "and its run is not written")
    t.same((await run(store.listRuns({}))).items.map((r) => r.id), ["r1"])
    t.same(await run(store.getIdempotency("k1")), key, "the record is unchanged")
    t.equal(await run(store.insertRun(makeRun("r3", 3), { idempotency: { ...key, key: "k2", run_id: "r3" } })), null, "another key is free")
  })

  t.test("insertRun() journals its events with the run, and none when the key is taken", async (t) => {
    const store = await open(t)
    const queued = (id: string) => [{ run_id: id, type: "run.queued" as const, at: at(1), data: { job_id: "hello" } }]
    const key = { key: "k-events", request_hash: "h", run_id: "e1", created_at: at(1) }
    t.equal(await run(store.insertRun(makeRun("e1", 1), { idempotency: key, events: queued("e1") })), null)
    t.match(await run(store.listEvents({ run_id: "e1" })), [{ run_id: "e1", type: "run.queued", data: { job_id: "hello" } }])
    t.equal(await run(store.latestEventId()), (await run(store.listEvents({ run_id: "e1" })))[0].id, "the journal's head moved")
    t.not(await run(store.insertRun(makeRun("e2", 2), { idempotency: { ...key, run_id: "e2" }, events: queued("e2") })), null)
    t.same(await run(store.listEvents({ run_id: "e2" })), [], "a taken key journals nothing")
    t.equal(await run(store.getRun("e2")), null)
  })

  t.test("insertRun() of one idempotency key from two store instances at once writes exactly one run", shared, async (t) => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await openShared(t, 2)
      const key = (run_id: string) => ({ key: `k${round}`, request_hash: "h", run_id, created_at: at(1) })
      const results = await Promise.all([
        run(a.store.insertRun(makeRun(`a${round}`, 1), { idempotency: key(`a${round}`) })),
        run(b.store.insertRun(makeRun(`b${round}`, 1), { idempotency: key(`b${round}`) }))
      ])
      const runs = (await run(a.store.listRuns({}))).items.map((r) => r.id)
      t.equal(runs.length, 1, "one run exists")
      const winner = runs[0]
      t.same(await run(b.store.getIdempotency(`k${round}`)), key(winner), "the key names that run")
      t.same(results.filter((r) => r === null).length, 1, "one insert took the key")
      t.same(results.find((r) => r !== null), key(winner), "the other was given the winner's record")
      await a.close()
      await b.close()
    }
  })

  t.test("a lease held by one store instance is listed by another until it is released", shared, async (t) => {
    const [a, b] = await openShared(t, 2)
    t.same(await run(b.store.heldLeases()), [])
    await run(a.store.holdLeases(["blob:1", "rootfs:1", "blob:1"], 600_000))
    await run(b.store.holdLeases(["blob:1"], 600_000))
    t.same([...await run(b.store.heldLeases())].sort(), ["blob:1", "rootfs:1"], "each key once, whoever holds it")
    await run(a.store.releaseLeases(["rootfs:1", "blob:1"]))
    t.same(await run(b.store.heldLeases()), ["blob:1"], "B's own lease on blob:1 still holds")
    await run(b.store.releaseLeases(["blob:1", "never-held"]))
    t.same(await run(a.store.heldLeases()), [])
  })

  t.test("a lease ends when its time runs out, and renewing it extends it", shared, async (t) => {
    const [a, b] = await openShared(t, 2)
    await run(a.store.holdLeases(["short"], 1000))
    await run(a.store.holdLeases(["long"], 600_000))
    t.same([...await run(b.store.heldLeases())].sort(), ["long", "short"])
    t.same(await until(() => run(b.store.heldLeases()), (keys) => !keys.includes("short")), ["long"], "the short lease expired")
    await run(a.store.holdLeases(["short"], 600_000))
    t.same([...await run(b.store.heldLeases())].sort(), ["long", "short"], "held again, for longer")
  })

  t.test("holdLeases() and releaseLeases() refuse a bad time to live or key with validation.failed naming it", async (t) => {
    const store = await open(t)
    for (
      const [keys, ttl, path] of [[["k"], 0, "ttlMs"], [["k"], Number.NaN, "ttlMs"], [["k"], 1.5, "ttlMs"], [["k", ""], 1000, "keys[1]"], [
        ["x".repeat(1025)],
        1000,
        "keys[0]"
      ]] as const
    ) {
      const error = await failure(store.holdLeases(keys, ttl))
      t.equal(error.code, "validation.failed")
      t.same(error.errors?.map((e) => e.path), [path], `${path} is named`)
    }
    t.same((await failure(store.releaseLeases([""]))).errors?.map((e) => e.path), ["keys[0]"])
    t.same(await run(store.heldLeases()), [], "nothing was held")
  })

  t.test("a store instance's leases end when it closes", shared, async (t) => {
    const [a, b] = await openShared(t, 2)
    await run(a.store.holdLeases(["blob:a"], 600_000))
    await run(b.store.holdLeases(["blob:b"], 600_000))
    t.same([...await run(b.store.heldLeases())].sort(), ["blob:a", "blob:b"])
    await a.close()
    t.same(await run(b.store.heldLeases()), ["blob:b"])
  })

  t.test("insertRun() fails with a StoreError for a duplicate id", async (t) => {
    const store = await open(t)
    await run(store.insertRun(makeRun("r1", 1)))
    const error = await failure(store.insertRun(makeRun("r1", 2)))
    t.equal(error._tag, "StoreError")
    t.equal(error.code, "store.failed")
  })

  t.test("updateRun() merges the patch, keeps id and plan, and persists it", async (t) => {
    const store = await open(t)
    const r = makeRun("r1", 1)
    await run(store.insertRun(r))
    const updated = await run(store.updateRun("r1", { status: "running", started_at: at(2) }))
    t.same(updated, { ...r, status: "running", started_at: at(2) })
    const done = await run(store.updateRun("r1", { status: "succeeded", exit_code: 0, finished_at: at(3) }))
    t.same(done, { ...r, status: "succeeded", started_at: at(2), exit_code: 0, finished_at: at(3) })
    t.same(await run(store.getRun("r1")), done)
    t.same((await run(store.listRuns({ status: "succeeded" }))).items.map((x) => x.id), ["r1"])
    t.same((await run(store.listRuns({ status: "queued" }))).items, [])
  })

  t.test("updateRun() fails with run.not.found for an unknown id", async (t) => {
    const store = await open(t)
    const error = await failure(store.updateRun("nope", { status: "running" }))
    t.equal(error.code, "run.not.found")
    t.equal(error.status, 404)
  })

  t.test("listRuns() lists newest first, ties broken by id descending", async (t) => {
    const store = await open(t)
    for (const [id, second] of [["a", 1], ["c", 2], ["b", 2], ["d", 0]] as const) {
      await run(store.insertRun(makeRun(id, second)))
    }
    const page = await run(store.listRuns({}))
    t.same(page.items.map((r) => r.id), ["c", "b", "a", "d"])
    t.equal(page.next_cursor, null)
  })

  t.test("listRuns() filters by job_id and status", async (t) => {
    const store = await open(t)
    await run(store.insertRun(makeRun("a", 1, { job_id: "backup" })))
    await run(store.insertRun(makeRun("b", 2, { job_id: "backup", status: "failed" })))
    await run(store.insertRun(makeRun("c", 3, { job_id: "hello", status: "failed" })))
    const ids = async (filter: { job_id?: string; status?: Run["status"] }) => (await run(store.listRuns(filter))).items.map((r) => r.id)
    t.same(await ids({ job_id: "backup" }), ["b", "a"])
    t.same(await ids({ status: "failed" }), ["c", "b"])
    t.same(await ids({ job_id: "backup", status: "failed" }), ["b"])
    t.same(await ids({ job_id: "nothing" }), [])
  })

  t.test("listRuns() pages through every run with a cursor until next_cursor is null", async (t) => {
    const store = await open(t)
    // Three runs per second, so ties on created_at straddle page boundaries.
    for (let i = 0; i < 130; i++) {
      await run(store.insertRun(makeRun(`run-${String(i).padStart(3, "0")}`, Math.floor(i / 3), { job_id: i % 2 ? "odd" : "even" })))
    }
    const pages = await listAll(store, { limit: 50 })
    t.same(pages.map((p) => p.length), [50, 50, 30])
    const ids = pages.flat().map((r) => r.id)
    const expected = Array.from({ length: 130 }, (_, i) => `run-${String(129 - i).padStart(3, "0")}`)
    t.same(ids, expected, "every run exactly once, in listing order")
    const odd = await listAll(store, { job_id: "odd", limit: 20 })
    t.same(odd.map((p) => p.length), [20, 20, 20, 5])
    t.same(odd.flat().map((r) => r.id), expected.filter((id) => Number(id.slice(4)) % 2 === 1))
  })

  t.test("listRuns() cursors stay valid while newer runs arrive", async (t) => {
    const store = await open(t)
    for (let i = 0; i < 6; i++) await run(store.insertRun(makeRun(`r${i}`, i)))
    const first = await run(store.listRuns({ limit: 3 }))
    await run(store.insertRun(makeRun("newer", 100)))
    const second = await run(store.listRuns({ limit: 3, cursor: first.next_cursor! }))
    t.same(second.items.map((r) => r.id), ["r2", "r1", "r0"])
    t.equal(second.next_cursor, null)
  })

  t.test("listRuns() defaults the limit to 50 and caps it at 500", async (t) => {
    const store = await open(t)
    for (let i = 0; i < 510; i++) await run(store.insertRun(makeRun(`r${i}`, i)))
    t.equal((await run(store.listRuns({}))).items.length, 50)
    const capped = await run(store.listRuns({ limit: 10_000 }))
    t.equal(capped.items.length, 500)
    t.type(capped.next_cursor, "string")
  })

  t.test("listRuns() rejects a cursor it did not issue", async (t) => {
    const store = await open(t)
    const error = await failure(store.listRuns({ cursor: "not-a-cursor" }))
    t.equal(error.code, "validation.failed")
  })

  t.test("appendEvents() returns the events with ids that increase", async (t) => {
    const store = await open(t)
    t.same(await run(store.appendEvents([])), [])
    const events = await run(store.appendEvents([
      { run_id: "r1", type: "run.queued", at: at(1), data: {} },
      { run_id: null, type: "source.added", at: at(1), data: { source: "tools", nested: { list: [1, "two"] } } },
      { run_id: "r1", type: "log", at: at(2), data: { stream: "stdout", line: "hello" } }
    ]))
    t.equal(events.length, 3)
    t.ok(events[0].id < events[1].id && events[1].id < events[2].id)
    t.same(events.map(({ id: _, ...rest }) => rest)[1], {
      run_id: null,
      type: "source.added",
      at: at(1),
      data: { source: "tools", nested: { list: [1, "two"] } }
    })
    t.same(await run(store.listEvents({})), events, "what is listed is what was returned")
    const big = await run(store.appendEvents(
      Array.from({ length: 1234 }, (_, i) => ({ run_id: "r2", type: "log" as const, at: at(3), data: { i } }))
    ))
    t.same(big.map((e) => e.data.i), Array.from({ length: 1234 }, (_, i) => i), "a batch keeps its order")
    t.same(await run(store.listEvents({ run_id: "r2", limit: 5000 })), big)
  })

  t.test("listEvents() filters by run_id and after and honours limit", async (t) => {
    const store = await open(t)
    const batch = (run_id: string | null, n: number) => Array.from({ length: n }, (_, i) => ({ run_id, type: "log" as const, at: at(i), data: { i } }))
    const a = await run(store.appendEvents(batch("a", 5)))
    await run(store.appendEvents(batch("b", 5)))
    const a2 = await run(store.appendEvents(batch("a", 5)))
    const ofA = await run(store.listEvents({ run_id: "a" }))
    t.same(ofA, [...a, ...a2])
    t.same(await run(store.listEvents({ run_id: "a", after: a[4].id })), a2)
    t.same(await run(store.listEvents({ run_id: "a", after: a[1].id, limit: 2 })), [a[2], a[3]])
    t.same(await run(store.listEvents({ run_id: "nobody" })), [])
    t.equal((await run(store.listEvents({ after: a2[4].id }))).length, 0)
  })

  t.test("latestEventId() is 0 on an empty journal, then the newest id", async (t) => {
    const store = await open(t)
    t.equal(await run(store.latestEventId()), 0)
    const events = await run(store.appendEvents([{ run_id: null, type: "log", at: at(0), data: {} }, { run_id: "r", type: "log", at: at(1), data: {} }]))
    t.equal(await run(store.latestEventId()), events[1].id)
  })

  t.test("listEvents() orders ids across all runs and defaults the limit to 1000", async (t) => {
    const store = await open(t)
    const appended = []
    for (let i = 0; i < 300; i++) {
      const run_id = ["x", "y", null][i % 3]
      appended.push(
        ...await run(store.appendEvents(
          Array.from({ length: 5 }, (_, j) => ({ run_id, type: "log" as const, at: at(i), data: { i, j } }))
        ))
      )
    }
    const all = await run(store.listEvents({ limit: 5000 }))
    t.same(all, appended, "the journal is in append order")
    t.ok(all.every((e, i) => i === 0 || e.id > all[i - 1].id), "ids strictly increase")
    t.equal((await run(store.listEvents({}))).length, 1000)
  })

  t.test("putIdempotency() and getIdempotency() round-trip; the first record for a key wins", async (t) => {
    const store = await open(t)
    t.equal(await run(store.getIdempotency("k1")), null)
    const entry = { key: "k1", request_hash: "h1", run_id: "r1", created_at: at(1) }
    await run(store.putIdempotency(entry))
    await run(store.putIdempotency({ ...entry, request_hash: "h2", run_id: "r2" }))
    t.same(await run(store.getIdempotency("k1")), entry)
  })

  t.test("failInterruptedRuns() fails queued and running runs and journals why", async (t) => {
    const store = await open(t)
    const statuses = ["queued", "running", "succeeded", "failed", "canceled"] as const
    for (const [i, status] of statuses.entries()) {
      await run(store.insertRun(makeRun(status, i, { status, exit_code: status === "succeeded" ? 0 : null })))
    }
    const ids = await run(store.failInterruptedRuns(at(60)))
    t.same([...ids].sort(), ["queued", "running"])
    for (const status of ["queued", "running"] as const) {
      const detail = `The engine stopped while the run was ${status}`
      t.match(await run(store.getRun(status)), {
        status: "failed",
        exit_code: null,
        finished_at: at(60),
        error: { code: "engine.restarted", detail }
      })
      const events = await run(store.listEvents({ run_id: status }))
      t.same(events.map(({ id: _, ...rest }) => rest), [
        { run_id: status, type: "run.failed", at: at(60), data: { code: "engine.restarted", detail } }
      ])
    }
    for (const status of ["succeeded", "failed", "canceled"] as const) {
      t.same(await run(store.getRun(status)), makeRun(status, statuses.indexOf(status), { status, exit_code: status === "succeeded" ? 0 : null }))
    }
    t.same(await run(store.failInterruptedRuns(at(61))), [], "nothing is left to fail")
    t.equal((await run(store.listEvents({}))).length, 2)
  })
}
