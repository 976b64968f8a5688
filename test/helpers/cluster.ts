/**
 * @module
 * Several real `flwd :serve` processes (the real binary, `bin/flwd.js`) on
 * one throwaway PostgreSQL: each with its own data directory and loopback
 * port, all over the same job tree and tokens. A node can be killed with
 * SIGKILL (a crashed host) and more started later; teardown kills what is
 * left by pid and removes the data directories. With `sqlite`, each
 * server keeps its state in its own data directory instead (the
 * benchmark's one-server baseline).
 *
 * Servers are started one after another: started at once on a loaded
 * two-core machine, their cold starts only compete for the CPU.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type RunningPostgres, startPostgres } from "./postgres.ts"
import type { Teardown } from "./registry.ts"
import { untracked } from "./untracked.ts"

const repo = resolve(import.meta.dirname, "..", "..")
/** The command users run. */
export const flwdBin = join(repo, "bin", "flwd.js")

export interface ClusterOptions {
  /** Servers started at once. */
  readonly servers: number
  /** The job tree every server serves (`--root`). */
  readonly root: string
  /** A cluster to use (its schema `flwd`); default: a new one, removed at teardown. */
  readonly postgres?: RunningPostgres
  /** Each server on SQLite in its own data directory instead (a baseline for one server): no PostgreSQL. */
  readonly sqlite?: boolean
  /** `--node-lease` of every server on PostgreSQL. Default `2s`, so a killed server's runs are settled within 3 s. */
  readonly nodeLease?: string
  /** Further flags of every server (`--policy FILE`, …). */
  readonly args?: ReadonlyArray<string>
  /** Further environment of every server. */
  readonly env?: Record<string, string>
  /** Working directory of every server (local sources resolve from it). Default: the temp dir. */
  readonly cwd?: string
}

/** One server of the cluster. */
export interface ClusterNode {
  readonly name: string
  readonly url: string
  readonly pid: number
  readonly dataDir: string
  readonly child: ChildProcess
  readonly stderr: () => string
  readonly exited: Promise<number | null>
  /** SIGKILL, as a host that dies; resolves once the process is gone. */
  readonly kill9: () => Promise<void>
}

export interface Cluster {
  /** Null with `sqlite`. */
  readonly postgres: RunningPostgres | null
  /** The store URL every server was given (`sqlite` with `sqlite`). */
  readonly store: string
  readonly nodes: ReadonlyArray<ClusterNode>
  /** Starts one more server on the same store (its own data directory); `args` replace the cluster's further flags. */
  readonly add: (args?: ReadonlyArray<string>) => Promise<ClusterNode>
  /** The token that holds every scope. */
  readonly token: string
}

/** An environment without the caller's flwd settings, so only the flags count. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith("FLWD_")) delete env[key]
  return { ...env, NODE_NO_WARNINGS: "1", ...extra }
}

/**
 * Starts `options.servers` servers and waits until each answers
 * `GET /healthz`; everything is stopped with `t`.
 */
export async function startCluster(t: Teardown, options: ClusterOptions): Promise<Cluster> {
  const postgres = options.sqlite === true ? null : options.postgres ?? await startPostgres(t)
  const store = postgres === null ? "sqlite" : postgres.url
  const dir = mkdtempSync(join(tmpdir(), "flwd-cluster-"))
  const nodes: Array<ClusterNode> = []
  const token = "all"
  t.teardown(async () => {
    await Promise.all(nodes.map((n) => n.kill9()))
    rmSync(dir, { recursive: true, force: true })
  })
  const lease = postgres !== null ? ["--node-lease", options.nodeLease ?? "2s"] : []

  const add = async (args = options.args ?? []): Promise<ClusterNode> => {
    const name = `node-${nodes.length + 1}`
    const dataDir = join(dir, name)
    const env = cleanEnv({ FLWD_TOKENS: `${token}:*`, ...options.env })
    const child = spawn(
      ...untracked([
        process.execPath,
        flwdBin,
        ":serve",
        "--bind",
        "127.0.0.1:0",
        "--root",
        options.root,
        "--data-dir",
        dataDir,
        "--store",
        store,
        ...lease,
        ...args
      ], env),
      { cwd: options.cwd ?? dir, env, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    let err = ""
    child.stderr!.on("data", (d) => (err += d))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        out += d
        const m = /flwd listening on (http:\/\/\S+)/.exec(out)
        if (m !== null) resolve(m[1])
      })
      void exited.then((code) => reject(new Error(`${name} exited (${code}) before listening: ${err}`)))
    })
    const kill9 = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    }
    const node: ClusterNode = { name, url, pid: child.pid!, dataDir, child, stderr: () => err, exited, kill9 }
    nodes.push(node)
    // Listening precedes readiness by nothing today; asking once makes the helper say so if that changes.
    const health = await fetch(`${url}/healthz`)
    if (health.status !== 200) throw new Error(`${name}: /healthz answered ${health.status}`)
    return node
  }
  for (let i = 0; i < options.servers; i++) await add()
  return { postgres, store, nodes, add, token }
}

/** Headers of a request with the cluster's token. */
export const bearer = (cluster: Cluster, json = false): Record<string, string> => ({
  authorization: `Bearer ${cluster.token}`,
  ...(json ? { "content-type": "application/json" } : {})
})

/** One journaled event as the API serves it. */
export interface ClusterEvent {
  readonly id: number
  readonly type: string
  readonly run_id: string | null
  readonly at: string
  readonly data: Record<string, unknown>
}

/**
 * A run's events from `node`, as NDJSON (`?format=ndjson`, the default) or
 * SSE, from the start or after `lastEventId`, until the stream ends at the
 * terminal event. `onEvent` sees each as it arrives (a benchmark stamps
 * arrival times).
 */
export async function followRun(
  cluster: Cluster,
  node: ClusterNode,
  runId: string,
  options: { readonly lastEventId?: number; readonly format?: "ndjson" | "sse"; readonly onEvent?: (e: ClusterEvent) => void } = {}
): Promise<Array<ClusterEvent>> {
  const headers: Record<string, string> = bearer(cluster)
  if (options.lastEventId !== undefined) headers["last-event-id"] = String(options.lastEventId)
  const sse = options.format === "sse"
  const res = await fetch(`${node.url}/runs/${runId}/events${sse ? "" : "?format=ndjson"}`, { headers })
  if (res.status !== 200) throw new Error(`${node.name}: GET /runs/${runId}/events answered ${res.status}: ${await res.text()}`)
  const events: Array<ClusterEvent> = []
  // NDJSON: one event a line. SSE: frames apart by a blank line, the event in the `data:` line.
  const separator = sse ? "\n\n" : "\n"
  let buffer = ""
  for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
    buffer += chunk
    let cut: number
    while ((cut = buffer.indexOf(separator)) >= 0) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + separator.length)
      const text = sse ? block.split("\n").find((l) => l.startsWith("data:"))?.slice(5).trim() : block.trim()
      if (text === undefined || text === "") continue
      const event = JSON.parse(text) as ClusterEvent
      events.push(event)
      options.onEvent?.(event)
    }
  }
  return events
}

/** `POST /runs` on `node`; resolves to the run's id (202 expected). */
export async function postRun(cluster: Cluster, node: ClusterNode, body: object, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${node.url}/runs`, { method: "POST", headers: { ...bearer(cluster, true), ...headers }, body: JSON.stringify(body) })
  const text = await res.text()
  if (res.status !== 202 && res.status !== 200) throw new Error(`${node.name}: POST /runs answered ${res.status}: ${text}`)
  return (JSON.parse(text) as { id: string }).id
}
