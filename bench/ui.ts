/**
 * @module
 * Web console benchmarks (issue: web console), against a real server in a
 * child process on loopback, with 1,000 finished runs in its store:
 * - the runs page listing all 1,000 runs, server-rendered (median of N
 *   requests), beside the same 1,000 runs as JSON from `GET /runs` in the
 *   same run (the API pages at most 500, so two pages by cursor);
 * - the JavaScript bytes each page loads (its module scripts and what they
 *   import), held against the 50 KB budget of docs/ui.md; a run's page
 *   is measured finished and still running (only then it loads the live log).
 * `BENCH_REQUESTS` sets N (default 30).
 */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { median, ms, report } from "./_stats.ts"

const repo = resolve(import.meta.dirname, "..")
const work = mkdtempSync(join(tmpdir(), "flwd-bench-"))
const requests = Number(process.env.BENCH_REQUESTS ?? 30)
const RUNS = 1000
/** docs/ui.md's budget: 50 KB (50,000 bytes) of JavaScript per page, uncompressed. */
const BUDGET = 50_000
const token = "bench-token"
const bearer = { authorization: `Bearer ${token}` }

function writeJobs(): string {
  const root = join(work, "jobs")
  const dir = join(root, "hello")
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, "config.yaml"),
    [
      "summary: Prints one line",
      "command: ./run.sh",
      "argspec:",
      "  args:",
      "    - { name: name, type: string, default: bench }",
      ""
    ].join("\n")
  )
  writeFileSync(join(dir, "run.sh"), '#!/bin/sh\necho "hello $ARG_NAME"\n', { mode: 0o755 })
  // A run still going, whose page loads the live log.
  const wait = join(root, "wait")
  mkdirSync(wait, { recursive: true })
  writeFileSync(join(wait, "config.yaml"), "summary: Waits a minute\ncommand: ./run.sh\n")
  writeFileSync(join(wait, "run.sh"), "#!/bin/sh\necho waiting\nsleep 60\n", { mode: 0o755 })
  return root
}

async function startServer(root: string) {
  const child = spawn(process.execPath, [
    "server/main.ts",
    "--bind",
    "127.0.0.1:0",
    "--root",
    root,
    "--data-dir",
    join(work, "data"),
    "--grace",
    "1s"
  ], { cwd: repo, env: { ...process.env, FLWD_TOKENS: `${token}:*`, NODE_NO_WARNINGS: "1" }, stdio: ["ignore", "pipe", "inherit"] })
  const url = await new Promise<string>((ok, fail) => {
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
      const m = /flwd listening on (\S+)/.exec(out)
      if (m !== null) ok(m[1])
    })
    child.on("exit", (code) => fail(new Error(`server exited with ${code}`)))
  })
  return { child, url }
}

/** Starts `RUNS` runs, 8 requests at a time, and waits until none is queued or running. */
async function fillRuns(url: string): Promise<string> {
  let next = 0
  let first = ""
  const worker = async () => {
    while (next < RUNS) {
      const i = next++
      const res = await fetch(`${url}/runs`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: JSON.stringify({ job: "hello", args: { name: `run-${i}` } })
      })
      const run = await res.json() as { id: string }
      if (res.status !== 202) throw new Error(`POST /runs: HTTP ${res.status}`)
      if (i === 0) first = run.id
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  for (;;) {
    const busy = await Promise.all(
      ["queued", "running"].map(async (status) =>
        ((await (await fetch(`${url}/runs?status=${status}&limit=1`, { headers: bearer })).json()) as { items: Array<unknown> }).items.length
      )
    )
    if (busy.every((n) => n === 0)) return first
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Signs in through the login form; returns the session cookie. */
async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/ui/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
    redirect: "manual"
  })
  await res.arrayBuffer()
  const cookie = /flwd_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")
  if (cookie === null) throw new Error(`sign-in failed: HTTP ${res.status}`)
  return cookie[0]
}

/** Median time of `fetch(path)` read to the end, over `requests` requests (after two warm-ups). */
async function timed(fetchAll: () => Promise<number>): Promise<{ median: number; bytes: number }> {
  let bytes = 0
  for (let i = 0; i < 2; i++) bytes = await fetchAll()
  const times: Array<number> = []
  for (let i = 0; i < requests; i++) {
    const started = performance.now()
    await fetchAll()
    times.push(performance.now() - started)
  }
  return { median: median(times), bytes }
}

/** The bytes of JavaScript a page loads: its module scripts and, transitively, their static imports. */
async function scriptBytes(url: string, path: string, cookie: string): Promise<number> {
  const html = await (await fetch(`${url}${path}`, { headers: { cookie } })).text()
  const seen = new Set<string>()
  const queue = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => new URL(m[1].replaceAll("&amp;", "&"), `${url}${path}`).href)
  let total = 0
  while (queue.length > 0) {
    const src = queue.shift()!
    if (seen.has(src)) continue
    seen.add(src)
    const text = await (await fetch(src, { headers: { cookie } })).text()
    total += Buffer.byteLength(text)
    for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\b[^"'`]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']/g)) {
      queue.push(new URL(m[1] ?? m[2], src).href)
    }
  }
  return total
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`

const { child, url } = await startServer(writeJobs())
try {
  const fillStarted = performance.now()
  const runId = await fillRuns(url)
  report(`${RUNS} runs started and finished (setup)`, ms(performance.now() - fillStarted))
  const cookie = await signIn(url)

  const page = await timed(async () => {
    const res = await fetch(`${url}/ui/runs?limit=${RUNS}`, { headers: { cookie } })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`GET /ui/runs: HTTP ${res.status}`)
    return Buffer.byteLength(text)
  })
  const rows = (await (await fetch(`${url}/ui/runs?limit=${RUNS}`, { headers: { cookie } })).text()).match(/href="\/ui\/runs\/[^"?]+"/g)?.length ?? 0
  const json = await timed(async () => {
    let bytes = 0
    let cursor: string | null = null
    do {
      const query: string = cursor === null ? "limit=500" : `limit=500&cursor=${encodeURIComponent(cursor)}`
      const res = await fetch(`${url}/runs?${query}`, { headers: bearer })
      const text = await res.text()
      bytes += Buffer.byteLength(text)
      cursor = (JSON.parse(text) as { next_cursor: string | null }).next_cursor
    } while (cursor !== null)
    return bytes
  })
  report(`runs page, ${rows} runs listed (${kb(page.bytes)} of HTML)`, ms(page.median), "well under 1 s")
  report(`GET /runs JSON, same ${RUNS} runs in 2 pages (${kb(json.bytes)})`, ms(json.median), "(reference)")
  report("ratio page / JSON", (page.median / json.median).toFixed(2))

  const live =
    await (await fetch(`${url}/runs`, { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ job: "wait" }) }))
      .json() as { id: string }
  const pages: Record<string, string> = {
    login: "/ui/login",
    overview: "/ui/",
    sources: "/ui/sources",
    source: "/ui/sources/default",
    jobs: "/ui/jobs",
    job: "/ui/jobs/hello",
    runs: "/ui/runs",
    run: `/ui/runs/${encodeURIComponent(runId)}`,
    "run (live)": `/ui/runs/${encodeURIComponent(live.id)}`,
    events: "/ui/events"
  }
  for (const [name, path] of Object.entries(pages)) {
    const bytes = await scriptBytes(url, path, cookie)
    report(`JS loaded by the ${name} page`, kb(bytes), bytes <= BUDGET ? "≤ 50 KB — met" : "≤ 50 KB — NOT met")
  }
  await (await fetch(`${url}/runs/${encodeURIComponent(live.id)}:cancel`, { method: "POST", headers: bearer })).arrayBuffer()
} finally {
  const exited = new Promise((r) => child.on("exit", r))
  child.kill("SIGTERM")
  await exited
  rmSync(work, { recursive: true, force: true })
}
