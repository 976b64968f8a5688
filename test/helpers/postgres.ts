/**
 * @module
 * A throwaway PostgreSQL cluster for tests: Debian's `initdb` into a temp
 * dir, the server on a free loopback port and a unix socket in that dir,
 * with durability off (nothing in it outlives the test file), stopped and
 * removed at teardown. Start one per test file; give each case its own
 * schema with `freshSchema()`.
 *
 * `initdb` and `postgres` refuse to run as root, so as root both run as the
 * `postgres` user (created by Debian's postgresql-common) and the temp dir
 * is handed to it; any other user runs them as itself.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./registry.ts"
import type { Teardown } from "./registry.ts"

export interface RunningPostgres {
  /** `postgres://flwd@127.0.0.1:<port>/flwd`: a superuser, no password. */
  readonly url: string
  /** The same database over the unix socket in `socketDir`. */
  readonly socketUrl: string
  readonly socketDir: string
  readonly port: number
  /** A schema name not used before in this cluster (not created). */
  readonly freshSchema: () => string
  /** Runs SQL through `psql` and returns its unaligned, tuples-only output. */
  readonly psql: (sql: string) => string
  /** What the server logged so far. */
  readonly log: () => string
}

/** Where Debian keeps the server binaries: not on PATH. */
export function postgresBinDir(): string {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim()
    if (existsSync(join(dir, "initdb"))) return dir
  } catch {
    // no pg_config (it comes with the -dev package on some systems): look below
  }
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) throw new Error("PostgreSQL server binaries not found: install Debian's postgresql")
  return join(root, versions[0], "bin")
}

const asRoot = process.getuid?.() === 0

/** argv that runs `argv` as the cluster's owner. */
function owned(argv: ReadonlyArray<string>): Array<string> {
  return asRoot ? ["runuser", "-u", "postgres", "--", ...argv] : [...argv]
}

function run(argv: ReadonlyArray<string>, timeout = 180_000): string {
  const [cmd, ...args] = owned(argv)
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout })
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`)
  return r.stdout
}

/**
 * Starts a cluster and registers its removal with `t`. Generous timeouts:
 * `initdb` and the first start take seconds on a loaded machine.
 */
export async function startPostgres(t: Teardown): Promise<RunningPostgres> {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), "flwd-pg-"))
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  const logFile = join(dir, "server.log")
  let started = false
  const stop = () => {
    if (started) {
      // immediate: nothing in the cluster is worth a checkpoint.
      const [cmd, ...args] = owned([join(bin, "pg_ctl"), "stop", "-D", data, "-m", "immediate", "-w", "-t", "60"])
      spawnSync(cmd, args, { stdio: "ignore", timeout: 90_000 })
      started = false
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // A test process that ends without its teardown still stops the server.
  process.once("exit", stop)
  t.teardown(() => {
    process.removeListener("exit", stop)
    stop()
  })

  run([join(bin, "initdb"), "-D", data, "-U", "flwd", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8"])
  let port = 0
  for (let attempt = 0; !started; attempt++) {
    port = await freePort()
    const options = [
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`,
      // Throwaway data: no fsync, no full-page writes, commits not waited on.
      "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
      "-c max_connections=200 -c shared_buffers=32MB"
    ].join(" ")
    try {
      run([join(bin, "pg_ctl"), "start", "-D", data, "-l", logFile, "-w", "-t", "120", "-o", options])
      started = true
    } catch (error) {
      // Another process may have taken the free port in the meantime.
      if (attempt >= 3) throw error
    }
  }
  run([join(bin, "psql"), "-h", dir, "-p", String(port), "-U", "flwd", "-d", "postgres", "-c", "CREATE DATABASE flwd"])

  let schemas = 0
  return {
    url: `postgres://flwd@127.0.0.1:${port}/flwd`,
    socketUrl: `postgres://flwd@/flwd?host=${encodeURIComponent(dir)}&port=${port}`,
    socketDir: dir,
    port,
    freshSchema: () => `t${process.pid}_${schemas++}`,
    psql: (sql) =>
      run([join(bin, "psql"), "-h", dir, "-p", String(port), "-U", "flwd", "-d", "flwd", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]),
    log: () => existsSync(logFile) ? readFileSync(logFile, "utf8") : ""
  }
}
