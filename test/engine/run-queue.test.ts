/**
 * Engines sharing one PostgreSQL store share one run queue: a run accepted
 * by any engine that claims (a server) is executed by exactly one, within
 * each engine's concurrency and each job's limit across all of them;
 * cancel and idempotency keys work from any engine; a run with a secret
 * argument stays with the engine that accepted it, and its secret never
 * reaches the database. In-process engines on a throwaway cluster; the
 * three-server test (cluster.test.ts) does the same over real processes.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import type { Test } from "tap"
import * as Chunk from "effect/Chunk"
import { Effect, type EngineHandle, type Run, type RunEvent, Stream } from "../../mod.ts"
import { call, startEngine, tempDir } from "../helpers/engine.ts"
import { startPostgres } from "../helpers/postgres.ts"
import { until } from "../helpers/processes.ts"

t.setTimeout(300_000)

/** A job tree: `where` prints its run directory (which names the executing engine's data dir). */
function jobTree(t: Test): string {
  const root = join(tempDir(t, "flwd-queue-"), "jobs")
  const job = (name: string, config: string, script: string) => {
    mkdirSync(join(root, name), { recursive: true })
    writeFileSync(join(root, name, "config.yaml"), config)
    writeFileSync(join(root, name, "run.sh"), `#!/bin/sh\n${script}\n`)
    chmodSync(join(root, name, "run.sh"), 0o755)
  }
  job(
    "where",
    "name: Where\ncommand: ./run.sh\nargspec:\n  args:\n    - { name: token, type: string, format: secret }\n    - { name: n, type: integer, default: 0 }\n",
    `echo "ran-in $FLWD_RUN_DIR"`
  )
  job("one-at-a-time", "name: One at a time\ncommand: ./run.sh\nconcurrency: 1\n", "sleep 0.3")
  job("sleeper", "name: Sleeper\ncommand: ./run.sh\n", "sleep 60")
  job("short", "name: Short\ncommand: ./run.sh\n", "sleep 2")
  return root
}

const events = (engine: EngineHandle, id: string) =>
  call(engine, (e) => Stream.runCollect(e.runEvents(id)).pipe(Effect.map(Chunk.toArray))) as Promise<ReadonlyArray<RunEvent>>

t.test("engines sharing one PostgreSQL share one run queue", async (t) => {
  const pg = await startPostgres(t)
  const root = jobTree(t)
  const base = tempDir(t, "flwd-nodes-")
  const start = (name: string, claims: boolean, maxConcurrentRuns = 2) =>
    startEngine(t, {
      root,
      dataDir: join(base, name),
      config: false,
      store: pg.url,
      maxConcurrentRuns,
      claimsQueuedRuns: claims,
      allowedLocalRoots: [base, root]
    })
  const a = await start("a", true)
  const b = await start("b", true)
  const engines = [a, b]

  t.test("each run is executed exactly once, by one engine or the other", async (t) => {
    const runs: Array<Run> = []
    for (let i = 0; i < 40; i++) runs.push(await call(engines[i % 2], (e) => e.run({ job: "where", args: { n: i } })))
    const where = new Map<string, number>()
    for (const [i, run] of runs.entries()) {
      // Followed from the other engine than the one that accepted it.
      const evs = await events(engines[(i + 1) % 2], run.id)
      t.equal(evs.filter((e) => e.type === "run.started").length, 1, `${run.id} started once`)
      t.equal(evs.at(-1)?.type, "run.finished", `${run.id} finished`)
      const ids = evs.map((e) => e.id)
      t.same(ids, [...ids].sort((x, y) => x - y), "events in journal order")
      const line = evs.find((e) => e.type === "log")?.data.line as string
      const node = /ran-in .*\/(a|b)\/runs\//.exec(line)?.[1]
      t.ok(node, `the run says where it ran: ${line}`)
      where.set(node!, (where.get(node!) ?? 0) + 1)
    }
    t.equal((where.get("a") ?? 0) + (where.get("b") ?? 0), 40)
    t.ok((where.get("a") ?? 0) > 0 && (where.get("b") ?? 0) > 0, `both engines executed runs: ${JSON.stringify([...where])}`)
  })

  t.test("every engine's event stream (GET /events) carries the events of runs executed elsewhere, live and in order", async (t) => {
    const after = await call(b, (e) => e.latestEventId)
    // A run bound to `a` (a secret argument), followed through all events on `b`.
    const following = call(b, (e) =>
      e.events({ after }).pipe(
        Stream.filter((ev) => ev.run_id !== null),
        Stream.takeUntil((ev) => ev.type === "run.finished" && ev.run_id === runId),
        Stream.runCollect,
        Effect.map(Chunk.toArray)
      ))
    let runId = ""
    const run = await call(a, (e) => e.run({ job: "where", args: { token: "t", n: 300 } }))
    runId = run.id
    const seen = (await following).filter((ev) => ev.run_id === run.id)
    t.same(seen.map((ev) => ev.type).filter((x) => x.startsWith("run.")), ["run.queued", "run.started", "run.finished"])
    const ids = seen.map((ev) => ev.id)
    t.same(ids, [...ids].sort((x, y) => x - y), "in journal order")
    t.match(seen.find((ev) => ev.type === "log")?.data.line as string, /\/a\/runs\//, "executed on the other engine")
  })

  t.test("a job's concurrency limit holds across engines", async (t) => {
    const runs: Array<Run> = []
    for (let i = 0; i < 6; i++) runs.push(await call(engines[i % 2], (e) => e.run({ job: "one-at-a-time" })))
    const spans: Array<[number, number]> = []
    for (const run of runs) {
      const evs = await events(a, run.id)
      const at = (type: string) => Date.parse(evs.find((e) => e.type === type)!.at)
      spans.push([at("run.started"), at("run.finished")])
    }
    spans.sort((x, y) => x[0] - y[0])
    for (let i = 1; i < spans.length; i++) t.ok(spans[i][0] >= spans[i - 1][1], `run ${i} started after run ${i - 1} finished`)
  })

  t.test("a run executing on one engine is canceled from the other", async (t) => {
    const run = await call(a, (e) => e.run({ job: "sleeper" }))
    await until("the run to start", async () => (await call(b, (e) => e.getRun(run.id))).status === "running")
    const canceled = await call(b, (e) => e.cancel(run.id))
    t.equal(canceled.status, "canceled")
    const evs = await events(a, run.id)
    t.equal(evs.at(-1)?.type, "run.canceled")
  })

  t.test("a run another engine settled while it ran keeps that outcome when its process ends", async (t) => {
    const run = await call(a, (e) => e.run({ job: "short" }))
    await until("the run to start", async () => (await call(b, (e) => e.getRun(run.id))).status === "running")
    // What an engine settling a lost engine's run writes (record, then no other terminal event may follow).
    const error = { code: "engine.node.lost", detail: "settled by another engine" }
    pg.psql(
      `update flwd.runs set status = 'failed', record = (jsonb_set(jsonb_set(record::jsonb, '{status}', '"failed"'), '{error}', '${
        JSON.stringify(error)
      }'::jsonb))::json where id = '${run.id}'`
    )
    await until(
      "the job's process to end",
      async () => pg.psql(`select count(*) from flwd.events where run_id = '${run.id}' and type = 'step.finished'`).trim() === "1"
    )
    await new Promise((r) => setTimeout(r, 500))
    t.equal(
      pg.psql(`select count(*) from flwd.events where run_id = '${run.id}' and type in ('run.finished', 'run.failed', 'run.canceled')`).trim(),
      "0",
      "no terminal event after the settled one"
    )
    t.match(await call(b, (e) => e.getRun(run.id)), { status: "failed", error }, "the settled outcome stands")
  })

  t.test("one Idempotency-Key posted to both engines at once starts one run", async (t) => {
    const request = { job: "where", args: { n: 7 } }
    const [x, y] = await Promise.all(engines.map((engine) => call(engine, (e) => e.runIdempotent("key-1", "hash-1", request))))
    t.equal(x.run.id, y.run.id)
    t.same([x.replayed, y.replayed].sort(), [false, true])
    t.equal(pg.psql(`select count(*) from flwd.runs where id = '${x.run.id}'`).trim(), "1")
  })

  t.test("a run with a secret argument stays with the engine that accepted it and its secret stays out of the store", async (t) => {
    for (let i = 0; i < 4; i++) {
      const engine = engines[i % 2]
      const name = i % 2 === 0 ? "a" : "b"
      const run = await call(engine, (e) => e.run({ job: "where", args: { token: "s3cr3t-value", n: 100 + i } }))
      const evs = await events(engine, run.id)
      t.equal(evs.at(-1)?.type, "run.finished")
      const line = evs.find((e) => e.type === "log")?.data.line as string
      t.match(line, new RegExp(`/${name}/runs/`), "ran where it was accepted")
    }
    t.equal(pg.psql("select count(*) from flwd.runs where record::text like '%s3cr3t-value%' or request::text like '%s3cr3t-value%'").trim(), "0")
    t.equal(pg.psql("select count(*) from flwd.events where data::text like '%s3cr3t-value%'").trim(), "0")
  })

  t.test("an engine that does not claim executes what it accepts, and only that", async (t) => {
    const cli = await start("cli", false)
    const run = await call(cli, (e) => e.run({ job: "where", args: { n: 200 } }))
    const evs = await events(a, run.id)
    t.match(evs.find((e) => e.type === "log")?.data.line as string, /\/cli\/runs\//)
  })
})
