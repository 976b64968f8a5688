/**
 * @module
 * Many servers on one store (`npm run bench -- cluster`): real `flwd
 * :serve` processes (test/helpers/cluster.ts), measured in one run on the
 * same machine load:
 * - runs/s and the p50/p99 of POST /runs → the run's terminal event (read
 *   as NDJSON from the server it was posted to), for one server on SQLite,
 *   one server on PostgreSQL and three servers on one PostgreSQL (runs
 *   posted round-robin; any server may execute any of them);
 * - event delivery across servers: a job that prints a line every 50 ms,
 *   followed on all three servers; the latency of an event is its arrival
 *   minus its `at` (stamped when it is journaled), on one machine, so one
 *   clock, told apart for the server that executed the run and the others.
 * Each setup first times runs one at a time (`BENCH_ONE_RUNS`, default 30:
 * the path's latency without contention), then `BENCH_RUNS` (default 300)
 * with `BENCH_CONCURRENCY` in flight (default 16); `BENCH_TICK_RUNS` runs
 * (default 10) are followed for delivery. A server runs at most 4 runs at
 * once (the engine's default), so three servers may run 12.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { type Cluster, followRun, postRun, startCluster } from "../test/helpers/cluster.ts"
import { startPostgres } from "../test/helpers/postgres.ts"
import { median, ms, report } from "./_stats.ts"

const RUNS = Number(process.env.BENCH_RUNS ?? 300)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const TICK_RUNS = Number(process.env.BENCH_TICK_RUNS ?? 10)
const ONE_AT_A_TIME = Number(process.env.BENCH_ONE_RUNS ?? 30)

// Teardowns of the helpers, run in reverse: a setup's servers at its end, PostgreSQL at exit.
type Fn = () => unknown
const scope = () => {
  const pending: Array<Fn> = []
  return {
    teardown: (fn: Fn) => void pending.push(fn),
    close: async () => {
      while (pending.length > 0) await pending.pop()!()
    }
  }
}
const outer = scope()

const work = mkdtempSync(join(tmpdir(), "flwd-bench-cluster-"))
const root = join(work, "jobs")
const job = (id: string, script: string) => {
  mkdirSync(join(root, id), { recursive: true })
  writeFileSync(join(root, id, "config.yaml"), `summary: ${id}\ncommand: ./run.sh\ntimeout: 1m\n`)
  writeFileSync(join(root, id, "run.sh"), `#!/bin/sh\n${script}\n`, { mode: 0o755 })
}
job("noop", "echo ok")
job("ticks", 'echo "dir $FLWD_RUN_DIR"; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo tick $i; sleep 0.05; done')

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/** `runs` runs of `noop`, `width` in flight, posted round-robin; each timed from POST to its terminal event. */
async function throughput(cluster: Cluster, runs: number, width: number): Promise<{ perSecond: number; p50: number; p99: number; failed: number }> {
  const latencies: Array<number> = []
  let failed = 0
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < runs) {
      const node = cluster.nodes[next++ % cluster.nodes.length]
      const t0 = performance.now()
      const id = await postRun(cluster, node, { job: "noop" })
      const events = await followRun(cluster, node, id)
      latencies.push(performance.now() - t0)
      if (events.at(-1)?.type !== "run.finished") failed++
    }
  }))
  const seconds = (performance.now() - started) / 1000
  return { perSecond: runs / seconds, p50: median(latencies), p99: percentile(latencies, 99), failed }
}

/**
 * `ticks` posted round-robin and followed from its start on every server:
 * per-event delivery latency on the server that executed it (told by the
 * run directory the job prints, which lies in that server's data
 * directory) and on the others.
 */
async function delivery(cluster: Cluster): Promise<{ same: Array<number>; other: Array<number> }> {
  const same: Array<number> = []
  const other: Array<number> = []
  for (let i = 0; i < TICK_RUNS; i++) {
    const id = await postRun(cluster, cluster.nodes[i % cluster.nodes.length], { job: "ticks" })
    const streams = await Promise.all(cluster.nodes.map(async (node) => {
      const lags: Array<number> = []
      const events = await followRun(cluster, node, id, {
        onEvent: (e) => void (e.type === "log" ? lags.push(Date.now() - Date.parse(e.at)) : undefined)
      })
      return { node, lags, events }
    }))
    const dir = String(streams[0].events.find((e) => e.type === "log" && String(e.data.line).startsWith("dir "))?.data.line ?? "")
    for (const s of streams) (dir.startsWith(`dir ${s.node.dataDir}/`) ? same : other).push(...s.lags)
  }
  return { same, other }
}

try {
  const postgres = await startPostgres(outer)
  const setups: Array<{ name: string; servers: number; sqlite: boolean }> = [
    { name: "1 server, SQLite", servers: 1, sqlite: true },
    { name: "1 server, PostgreSQL", servers: 1, sqlite: false },
    { name: "3 servers, one PostgreSQL", servers: 3, sqlite: false }
  ]
  console.log(`a one-line job; per setup ${ONE_AT_A_TIME} runs one at a time, then ${RUNS} with ${CONCURRENCY} in flight, posted round-robin`)
  let three: Cluster | null = null
  for (const setup of setups) {
    // Each PostgreSQL setup starts from an empty schema.
    if (!setup.sqlite) postgres.psql("DROP SCHEMA IF EXISTS flwd CASCADE")
    const servers = scope()
    const cluster = await startCluster(servers, { servers: setup.servers, root, postgres, sqlite: setup.sqlite })
    // One warm-up run per server: the first run compiles the runner's paths.
    for (const node of cluster.nodes) await followRun(cluster, node, await postRun(cluster, node, { job: "noop" }))
    const one = await throughput(cluster, ONE_AT_A_TIME, 1)
    report(`${setup.name}: one at a time, POST → terminal p50 / p99`, `${ms(one.p50)} / ${ms(one.p99)}`)
    const r = await throughput(cluster, RUNS, CONCURRENCY)
    report(`${setup.name}: ${CONCURRENCY} in flight, runs/s`, r.perSecond.toFixed(1))
    report(`${setup.name}: ${CONCURRENCY} in flight, POST → terminal p50 / p99`, `${ms(r.p50)} / ${ms(r.p99)}`)
    if (r.failed + one.failed > 0) report(`${setup.name}: runs not finished`, String(r.failed + one.failed))
    if (setup.servers === 3) three = cluster
    else await servers.close()
    // The last setup's servers stay for the delivery measure and close with the outer scope.
    if (setup.servers === 3) outer.teardown(servers.close)
  }
  const { same, other } = await delivery(three!)
  report(`event delivery, followed on the executing server p50 / p99`, `${ms(median(same))} / ${ms(percentile(same, 99))}`)
  report(`event delivery, followed on another server p50 / p99`, `${ms(median(other))} / ${ms(percentile(other, 99))}`)
} finally {
  await outer.close()
  rmSync(work, { recursive: true, force: true })
}
