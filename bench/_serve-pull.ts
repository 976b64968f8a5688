/**
 * @module
 * One `flwd :serve`, started fresh through a `bin/flwd.js` as a user starts
 * it, measured idle and then pulling an add-on through `POST /sources`:
 * the server path of bench/pull-rss.ts. Figures come from the server's
 * `/proc/PID/status` (Linux): the PID the bench spawned stays the
 * server's even when `bin/flwd.js` restarts itself with other node flags.
 */
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import process from "node:process"

const TOKEN = "bench-token"

/** The `VmRSS` and `VmHWM` of a process, in kB. */
export function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8")
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN)
  return { rss: field("VmRSS"), hwm: field("VmHWM") }
}

export interface ServePull {
  /** The server's node command line once it listens. */
  readonly cmdline: string
  /** RSS after two idle seconds, and the peak of the start until then (kB). */
  readonly idle: { rss: number; hwm: number }
  /** The peak during the pull alone (the start's was reset), and RSS once it answered (kB). */
  readonly pull: { rss: number; hwm: number }
  readonly ms: number
}

export interface ServePullOptions {
  /** The `bin/flwd.js` to start. */
  readonly bin: string
  /** A directory of its own: job tree, policy and data directory. */
  readonly dir: string
  readonly registryHost: string
  readonly ref: string
  /** Added to the environment (`FLWD_MAX_SEMI_SPACE_SIZE`). */
  readonly env: Record<string, string>
}

/** Starts the server, lets it idle, pulls `ref` through it, stops it. */
export async function servePull(o: ServePullOptions): Promise<ServePull> {
  mkdirSync(join(o.dir, "jobs"), { recursive: true })
  const policy = { profile: "secure", verify_signatures: "disabled", allowed_registries: [o.registryHost] }
  writeFileSync(join(o.dir, "policy.json"), JSON.stringify(policy))
  const args = [":serve", "--bind", "127.0.0.1:0", "--grace", "1s"]
  const globals = ["--root", join(o.dir, "jobs"), "--data-dir", join(o.dir, "data"), "--policy", join(o.dir, "policy.json")]
  const child = spawn(process.execPath, [o.bin, ...args, ...globals], {
    env: { ...process.env, ...o.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: `${TOKEN}:*` },
    stdio: ["ignore", "pipe", "pipe"]
  })
  // Kept for the error when it fails; its shutdown lines are noise in the report.
  let stderr = ""
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise((resolve) => child.once("close", resolve))
  let early = (_code: number | null) => {}
  child.on("exit", (code) => early(code))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ""
      early = (code) => reject(new Error(`the server exited (${code}): ${stderr}`))
      child.stdout.on("data", (d) => {
        out += d
        const m = /listening on (\S+)/.exec(out)
        if (m !== null) resolve(m[1])
      })
    })
    await new Promise((r) => setTimeout(r, 2000))
    const pid = child.pid!
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
    const idle = status(pid)
    // Resets VmHWM to the current RSS (proc(5), clear_refs), so the pull's peak is its own.
    writeFileSync(`/proc/${pid}/clear_refs`, "5")
    const started = performance.now()
    const res = await fetch(`${url}/sources`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "oci", name: "big", ref: o.ref, trusted: true })
    })
    const answer = await res.text()
    const ms = performance.now() - started
    if (res.status !== 201) throw new Error(`POST /sources: HTTP ${res.status} ${answer}`)
    return { cmdline, idle, pull: status(pid), ms }
  } finally {
    early = () => {}
    child.kill("SIGTERM")
    await exited
  }
}
