/**
 * @module
 * Peak RSS of a process adding an add-on whose one layer is 50 MB, then
 * 500 MB (issue 14, goal 2: ≤ 150 MB and flat in the layer size), each pull
 * in a fresh child process (bench/_pull-rss.ts), with what the process held
 * once its engine was up (the runtime and modules) and after the add (heap,
 * external buffers); each once as node starts by default and once with
 * `--max-semi-space-size=1`. Then the server path (bench/_serve-pull.ts):
 * a fresh `flwd :serve` started through `bin/flwd.js`, from the sources and
 * from the package's bundle (bench/_packed-cli.ts), idle (goal ≤ 100 MB),
 * then adding the 500 MB add-on through `POST /sources` (its own peak:
 * VmHWM is reset once the server idles), once for each young-generation
 * bound `bin/flwd.js` is given (`FLWD_MAX_SEMI_SPACE_SIZE`: `off` is
 * node's default, `default` the one `bin/flwd.js` picks). `npm run bench
 * -- pull-rss`.
 *
 * `BENCH_SEMI` lists the bounds (default `off,default`; `off,1,2,4`
 * compares them), `BENCH_REPS` the rounds of the server path (default 1;
 * each round runs every variant, so load spikes fall on all; medians, with
 * the range), `BENCH_IN_PROCESS=0` skips the in-process pulls.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startRegistry } from "../test/helpers/registry.ts"
import { packedCli } from "./_packed-cli.ts"
import { type ServePull, servePull } from "./_serve-pull.ts"
import { median, ms, report } from "./_stats.ts"

const cleanup: Array<() => unknown> = []
const work = mkdtempSync(join(tmpdir(), "flwd-bench-rss-"))
cleanup.push(() => rmSync(work, { recursive: true, force: true }))
const child = join(import.meta.dirname, "_pull-rss.ts")
const env = { ...process.env, NODE_NO_WARNINGS: "1" }
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`

interface Pulled {
  readonly maxRssKb: number
  readonly vmHwmKb: number | null
  readonly ms: number
  readonly before: Record<string, number>
  readonly after: Record<string, number>
}

const SEMI = ["--max-semi-space-size=1"]

const semis = (process.env.BENCH_SEMI ?? "off,default").split(",")
const reps = Number(process.env.BENCH_REPS ?? 1)
const inProcess = process.env.BENCH_IN_PROCESS !== "0"

/** Builds the add-on with one `size` MB layer and pushes it, in another process so the pulling one starts small. */
function push(registryUrl: string, size: number): void {
  const pushed = spawnSync(process.execPath, [child, "push", registryUrl, `bench/rss${size}`, join(work, "layer.tar"), String(size)], {
    encoding: "utf8",
    env
  })
  if (pushed.status !== 0) throw new Error(`pushing the ${size} MB image failed: ${pushed.stderr}`)
}

/** Each pull in a fresh child process that creates an engine, as node starts by default and with `--max-semi-space-size=1`. */
function pullInProcess(registryHost: string, size: number): void {
  // A child's maxRSS starts at its parent's on Linux; VmHWM is its own address space's peak.
  for (const nodeArgs of [[], SEMI]) {
    const pulled = spawnSync(process.execPath, [
      ...nodeArgs,
      child,
      "pull",
      join(work, `data-${size}`),
      registryHost,
      `${registryHost}/bench/rss${size}:1.0.0`
    ], {
      encoding: "utf8",
      env
    })
    if (pulled.status !== 0) throw new Error(`the pull child failed: ${pulled.stderr}`)
    const r = JSON.parse(pulled.stdout.trim().split("\n").at(-1)!) as Pulled
    console.log(`\none ${size} MB uncompressed layer, in-process engine${nodeArgs.length > 0 ? `, node ${nodeArgs.join(" ")}` : ""}`)
    report("add", ms(r.ms))
    report(
      "peak RSS (VmHWM)",
      r.vmHwmKb === null ? "n/a" : mb(r.vmHwmKb),
      `goal ≤ 150 MB — ${r.vmHwmKb !== null && r.vmHwmKb <= 150 * 1024 ? "met" : "NOT met"}`
    )
    report("peak RSS (resourceUsage().maxRSS)", mb(r.maxRssKb))
    report("engine up, before the add: RSS / heap used / external", `${mb(r.before.rss)} / ${mb(r.before.heapUsed)} / ${mb(r.before.external)}`)
    report(
      "after the add: RSS / heap used / heap total / external",
      `${mb(r.after.rss)} / ${mb(r.after.heapUsed)} / ${mb(r.after.heapTotal)} / ${mb(r.after.external)}`
    )
    rmSync(join(work, `data-${size}`), { recursive: true, force: true })
  }
}

/** The server path: every variant once per round, rounds interleaved; medians. */
async function pullThroughServer(registryHost: string, size: number): Promise<void> {
  const bins = { sources: join(import.meta.dirname, "..", "bin", "flwd.js"), bundle: await packedCli("rss-pkg") }
  const variants = Object.entries(bins).flatMap(([from, bin]) => semis.map((semi) => ({ from, bin, semi, runs: [] as Array<ServePull> })))
  for (let round = 0; round < reps; round++) {
    for (const v of variants) {
      const dir = join(work, `serve-${v.from}-${v.semi}-${round}`)
      v.runs.push(
        await servePull({
          bin: v.bin,
          dir,
          registryHost,
          ref: `${registryHost}/bench/rss${size}:1.0.0`,
          env: { FLWD_MAX_SEMI_SPACE_SIZE: v.semi === "default" ? "" : v.semi }
        })
      )
      rmSync(dir, { recursive: true, force: true })
    }
  }
  for (const v of variants) {
    const all = (pick: (r: ServePull) => number) => v.runs.map(pick)
    // The median, and the range over the rounds when there are several.
    const figure = (pick: (r: ServePull) => number, format: (n: number) => string) => {
      const values = all(pick)
      const range = values.length > 1 ? ` (${format(Math.min(...values))}–${format(Math.max(...values))})` : ""
      return `${format(median(values))}${range}`
    }
    const flag = /--max-semi-space-size=\S+/.exec(v.runs[0].cmdline)?.[0] ?? "node's default young generation"
    console.log(`\nflwd :serve from the ${v.from}, FLWD_MAX_SEMI_SPACE_SIZE=${v.semi} (${flag}), median of ${v.runs.length}`)
    const idle = median(all((r) => r.idle.rss))
    report("idle RSS, 2 s after it listens", figure((r) => r.idle.rss, mb), `goal ≤ 100 MB — ${idle <= 100 * 1024 ? "met" : "NOT met"}`)
    report("peak RSS while starting (VmHWM)", figure((r) => r.idle.hwm, mb))
    const peak = median(all((r) => r.pull.hwm))
    report(`peak RSS adding the ${size} MB add-on`, figure((r) => r.pull.hwm, mb), `goal ≤ 150 MB — ${peak <= 150 * 1024 ? "met" : "NOT met"}`)
    report("RSS once the add answered", figure((r) => r.pull.rss, mb))
    report("POST /sources", figure((r) => r.ms, ms))
  }
}

try {
  const registry = await startRegistry({ teardown: (fn) => cleanup.push(fn) })
  for (const size of inProcess ? [50, 500] : [500]) {
    push(registry.url, size)
    if (inProcess) pullInProcess(registry.host, size)
  }
  await pullThroughServer(registry.host, 500)
} finally {
  for (const fn of cleanup.reverse()) await fn()
}
