/**
 * @module
 * Peak RSS of a process adding an add-on whose one layer is 50 MB, then
 * 500 MB (issue 14, goal 2: ≤ 150 MB and flat in the layer size), each pull
 * in a fresh child process (bench/_pull-rss.ts), with what the process held
 * once its engine was up (the runtime and modules) and after the add (heap,
 * external buffers); each once as node starts by default and once with
 * `--max-semi-space-size=1`. Then a fresh `flwd :serve`, idle (goal ≤ 100
 * MB), the same two ways. `npm run bench -- pull-rss`.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startRegistry } from "../test/helpers/registry.ts"
import { ms, report } from "./_stats.ts"

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

/** The `VmRSS` and `VmHWM` of a process, in kB. */
function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8")
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN)
  return { rss: field("VmRSS"), hwm: field("VmHWM") }
}

/** A fresh `flwd :serve` once it listens and has been idle for two seconds: its RSS and peak, in kB. */
async function idleServer(nodeArgs: ReadonlyArray<string>): Promise<{ rss: number; hwm: number }> {
  const dir = join(work, `serve-${nodeArgs.length}`)
  mkdirSync(join(dir, "jobs"), { recursive: true })
  writeFileSync(join(dir, "policy.json"), JSON.stringify({ profile: "secure", verify_signatures: "disabled" }))
  const cli = join(import.meta.dirname, "..", "cli/main.ts")
  const child = spawn(process.execPath, [
    ...nodeArgs,
    cli,
    "--data-dir",
    join(dir, "data"),
    "--policy",
    join(dir, "policy.json"),
    "--root",
    join(dir, "jobs"),
    ":serve",
    "--bind",
    "127.0.0.1:0"
  ], {
    env: { ...env, FLWD_TOKENS: "bench-token:*" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  try {
    let out = ""
    await new Promise<void>((resolve, reject) => {
      child.on("exit", (code) => reject(new Error(`the server exited (${code})`)))
      child.stdout.on("data", (d) => {
        out += d
        if (/flwd listening on/.test(out)) resolve()
      })
    })
    await new Promise((r) => setTimeout(r, 2000))
    return status(child.pid!)
  } finally {
    child.removeAllListeners("exit")
    child.kill("SIGTERM")
  }
}

const SEMI = ["--max-semi-space-size=1"]

try {
  const registry = await startRegistry({ teardown: (fn) => cleanup.push(fn) })
  for (const size of [50, 500]) {
    // Built and pushed by another process, so the pulling one starts small.
    const pushed = spawnSync(process.execPath, [child, "push", registry.url, `bench/rss${size}`, join(work, "layer.tar"), String(size)], {
      encoding: "utf8",
      env
    })
    if (pushed.status !== 0) throw new Error(`pushing the ${size} MB image failed: ${pushed.stderr}`)
    // A child's maxRSS starts at its parent's on Linux; VmHWM is its own address space's peak.
    for (const nodeArgs of [[], SEMI]) {
      const pulled = spawnSync(process.execPath, [
        ...nodeArgs,
        child,
        "pull",
        join(work, `data-${size}`),
        registry.host,
        `${registry.host}/bench/rss${size}:1.0.0`
      ], {
        encoding: "utf8",
        env
      })
      if (pulled.status !== 0) throw new Error(`the pull child failed: ${pulled.stderr}`)
      const r = JSON.parse(pulled.stdout.trim().split("\n").at(-1)!) as Pulled
      console.log(`\none ${size} MB uncompressed layer${nodeArgs.length > 0 ? `, node ${nodeArgs.join(" ")}` : ""}`)
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
  for (const nodeArgs of [[], SEMI]) {
    const idle = await idleServer(nodeArgs)
    console.log(`\nflwd :serve, idle${nodeArgs.length > 0 ? `, node ${nodeArgs.join(" ")}` : ""}`)
    report("RSS", mb(idle.rss), `goal ≤ 100 MB — ${idle.rss <= 100 * 1024 ? "met" : "NOT met"}`)
    report("peak RSS (VmHWM)", mb(idle.hwm))
  }
} finally {
  for (const fn of cleanup.reverse()) await fn()
}
