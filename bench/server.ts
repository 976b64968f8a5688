/**
 * @module
 * HTTP server benchmarks (issue: embedded HTTP server), against a real
 * server in a child process on loopback:
 * - idle RSS after start;
 * - `GET /jobs` and `POST /plans` with autocannon at 50 connections
 *   (requests/s, p99 latency), each beside its reference measured in the
 *   same run: a bare Hono app on `@hono/node-server` (bench/_bare-hono.ts)
 *   answering `GET /hello` and echoing `POST /echo`. Rounds alternate
 *   reference and flwd so both see the same machine load; the goal is a
 *   median ratio ≥ 0.5;
 * - 1,000 SSE subscribers on one run: every one receives the terminal
 *   event; the server's RSS with all of them connected.
 * `BENCH_SECONDS` sets each autocannon run's duration (default 3),
 * `BENCH_ROUNDS` the number of alternations (default 3).
 */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { median, ms, report } from "./_stats.ts"

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number }
  readonly latency: { readonly p99: number }
  readonly non2xx: number
  readonly errors: number
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>
// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon

const repo = resolve(import.meta.dirname, "..")
const work = mkdtempSync(join(tmpdir(), "flwd-bench-"))
const seconds = Number(process.env.BENCH_SECONDS ?? 3)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const token = "bench-token"
const headers = { authorization: `Bearer ${token}` }

// A job that waits for a file, so every subscriber is connected before it ends.
function writeJobs(): string {
  const root = join(work, "jobs")
  const dir = join(root, "gated")
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, "config.yaml"),
    [
      "summary: Waits for a file, then prints ten lines",
      "command: ./run.sh",
      "argspec:",
      "  args:",
      "    - { name: gate, type: string, required: true }",
      "    - { name: label, type: string, default: bench, maxLength: 40 }",
      ""
    ].join("\n")
  )
  writeFileSync(
    join(dir, "run.sh"),
    [
      "#!/bin/sh",
      'while [ ! -e "$ARG_GATE" ]; do sleep 0.05; done',
      'i=1; while [ $i -le 10 ]; do echo "line $i"; i=$((i + 1)); done',
      ""
    ].join("\n"),
    { mode: 0o755 }
  )
  return root
}

// Spawns a server script and resolves to its URL once it prints it.
async function spawnServer(args: ReadonlyArray<string>, env: Record<string, string>) {
  const child = spawn(process.execPath, [...args], {
    cwd: repo,
    env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const url = await new Promise<string>((ok, fail) => {
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
      const m = /listening on (\S+)/.exec(out)
      if (m !== null) ok(m[1])
    })
    child.on("exit", (code) => fail(new Error(`${args[0]} exited with ${code}`)))
  })
  return { child, url }
}

function startServer(root: string) {
  return spawnServer(
    // As users start it: through the `flwd` entry, which enables Node's compile cache.
    ["bin/flwd.js", ":serve", "--bind", "127.0.0.1:0", "--root", root, "--data-dir", join(work, "data"), "--grace", "1s"],
    { FLWD_TOKENS: `${token}:*` }
  )
}

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers })).text()
  const m = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text)
  return m === null ? NaN : Number(m[1])
}

// A process's resident set from /proc (Linux), for the reference, which has no /metrics.
function procRss(pid: number | undefined): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? NaN : Number(m[1]) * 1024
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

interface Load {
  readonly name: string
  readonly options: Record<string, unknown>
  /** The server process, whose CPU time per request is read from /proc. */
  readonly pid: number | undefined
}

// CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 10 ms).
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function measure(load: Load): Promise<{ readonly rps: number; readonly p99: number; readonly cpuUs: number }> {
  const before = cpuSeconds(load.pid)
  const result = await autocannon({ connections: 50, duration: seconds, ...load.options })
  const cpu = cpuSeconds(load.pid) - before
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${load.name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, p99: result.latency.p99, cpuUs: (cpu * 1e6) / result.requests.total }
}

// Reference and flwd alternate, round after round, so a burst of load from
// elsewhere on the machine falls on both. Beside requests per second, the
// server's CPU time per request: on a shared machine it moves less with the
// neighbours' load than throughput does.
async function compare(flwd: Load, reference: Load): Promise<void> {
  const ours: Array<number> = []
  const theirs: Array<number> = []
  const p99: Array<number> = []
  const ourCpu: Array<number> = []
  const theirCpu: Array<number> = []
  // Unmeasured: JIT warm-up of both servers.
  for (const load of [reference, flwd]) await autocannon({ connections: 50, duration: 1, ...load.options })
  for (let round = 0; round < rounds; round++) {
    const t = await measure(reference)
    theirs.push(t.rps)
    theirCpu.push(t.cpuUs)
    const r = await measure(flwd)
    ours.push(r.rps)
    p99.push(r.p99)
    ourCpu.push(r.cpuUs)
  }
  const ratio = median(ours) / median(theirs)
  report(`${flwd.name} (50 connections, median of ${rounds})`, `${Math.round(median(ours))} req/s`)
  report(`${flwd.name} p99 latency (median)`, ms(median(p99)))
  report(`${reference.name}, same run`, `${Math.round(median(theirs))} req/s`)
  report(`${flwd.name} / ${reference.name}`, `${ratio.toFixed(2)}×`, `goal ≥ 0.5× ${ratio >= 0.5 ? "(met)" : "(NOT met)"}`)
  report(`${flwd.name} server CPU per request (median)`, `${Math.round(median(ourCpu))} µs`)
  report(`${reference.name} server CPU per request`, `${Math.round(median(theirCpu))} µs`)
}

async function subscribers(url: string, count: number): Promise<void> {
  const gate = join(work, "gate")
  const res = await fetch(`${url}/runs`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ job: "gated", args: { gate } })
  })
  const { id } = await res.json() as { id: string }
  let connected = 0
  let resolveAll: () => void = () => undefined
  const allConnected = new Promise<void>((r) => (resolveAll = r))
  const follow = async (): Promise<boolean> => {
    const stream = await fetch(`${url}/runs/${id}/events`, { headers })
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ""
    let counted = false
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return /event: run\.finished/.test(text)
      text += value
      if (!counted && text.includes("event: run.queued")) {
        counted = true
        if (++connected === count) resolveAll()
      }
    }
  }
  const started = performance.now()
  const outcomes = Promise.all(Array.from({ length: count }, follow))
  await allConnected
  const connectedAfter = performance.now() - started
  const held = await rss(url)
  writeFileSync(gate, "")
  const released = performance.now()
  const finished = (await outcomes).filter(Boolean).length
  report(`SSE: ${count} subscribers connected`, ms(connectedAfter))
  report("SSE: server RSS with all subscribers", mib(held))
  report("SSE: subscribers that got the terminal event", `${finished} / ${count}`)
  report("SSE: gate opened to the last terminal event", ms(performance.now() - released))
}

const root = writeJobs()
const { child, url } = await startServer(root)
// With the compile cache `bin/flwd.js` enables (its default directory), so
// neither process pays Node's type stripper in memory.
const bare = await spawnServer(["bench/_bare-hono.ts"], { NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache") })
try {
  await new Promise((r) => setTimeout(r, 500))
  report("idle RSS after start", mib(await rss(url)))
  report("idle RSS of the bare Hono reference, same run", mib(procRss(bare.child.pid)))
  await compare(
    { name: "GET /jobs", options: { url: `${url}/jobs`, headers }, pid: child.pid },
    { name: "bare Hono GET /hello", options: { url: `${bare.url}/hello` }, pid: bare.child.pid }
  )
  const body = JSON.stringify({ job: "gated", args: { gate: "/nonexistent", label: "bench" } })
  await compare(
    {
      name: "POST /plans",
      options: { url: `${url}/plans`, method: "POST", headers: { ...headers, "content-type": "application/json" }, body },
      pid: child.pid
    },
    {
      name: "bare Hono POST /echo",
      options: { url: `${bare.url}/echo`, method: "POST", headers: { "content-type": "application/json" }, body },
      pid: bare.child.pid
    }
  )
  await subscribers(url, 1000)
  report("RSS after the benchmarks", mib(await rss(url)))
} finally {
  for (const c of [child, bare.child]) {
    const exited = new Promise((r) => c.on("exit", r))
    c.kill("SIGTERM")
    await exited
  }
  rmSync(work, { recursive: true, force: true })
}
