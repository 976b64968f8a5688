/**
 * @module
 * A throwaway workspace for running documented examples as a reader would:
 * the checkout's files linked in (so `npm run flwd`, `node server/main.ts`
 * and relative paths work), the example jobs copied (runs may write there),
 * a fresh data directory and home, and `flwd` (`bin/flwd.js`, the entry
 * npm installs) and `node` on the PATH as the project's Node 24 — never the
 * system one.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { untracked } from "../helpers/untracked.ts"

export const repo = resolve(import.meta.dirname, "../..")

export interface Workspace {
  readonly dir: string
  readonly env: Record<string, string>
  /** Starts `flwd :serve --dev` on `bind`; resolves once it answers `/healthz`. */
  readonly serve: (bind: string) => Promise<ChildProcess>
  readonly remove: () => void
}

/** Entries copied rather than linked: examples are written to by runs. */
const copied = new Set(["examples"])
const skipped = new Set([".git", ".flwd", "test", "bench", "docs"])

/** `NODE_COMPILE_CACHE` as the test runner has it, if it does. */
export function compileCache(): Record<string, string> {
  const dir = process.env["NODE_COMPILE_CACHE"]
  return dir === undefined ? {} : { NODE_COMPILE_CACHE: dir }
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "flwd-docs-"))
  for (const entry of readdirSync(repo)) {
    if (skipped.has(entry)) continue
    if (copied.has(entry)) cpSync(join(repo, entry), join(dir, entry), { recursive: true })
    else symlinkSync(join(repo, entry), join(dir, entry))
  }
  const bin = join(dir, ".bin")
  mkdirSync(bin)
  mkdirSync(join(dir, ".home"))
  symlinkSync(process.execPath, join(bin, "node"))
  // The entry npm installs as `flwd`: it keeps compiled code between commands, as a user's does.
  writeFileSync(join(bin, "flwd"), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, "bin/flwd.js")}" "$@"\n`)
  chmodSync(join(bin, "flwd"), 0o755)
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
    HOME: join(dir, ".home"),
    FLWD_DATA_DIR: join(dir, ".data"),
    LANG: "C.UTF-8",
    // The runner's compile cache, already warm, rather than a cold one in the new home.
    ...compileCache()
  }
  const serve = async (bind: string): Promise<ChildProcess> => {
    const serverEnv = { ...env, FLWD_DATA_DIR: join(dir, ".server-data") }
    const child = spawn(...untracked([join(bin, "flwd"), ":serve", "--dev", "--root", "examples/jobs", "--bind", bind], serverEnv), {
      cwd: dir,
      env: serverEnv,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let log = ""
    child.stderr?.on("data", (b: Buffer) => (log += b.toString()))
    const deadline = Date.now() + 60_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`flwd :serve exited ${child.exitCode}: ${log}`)
      const up = await fetch(`http://${bind}/healthz`).then((r) => r.ok, () => false)
      if (up) return child
      if (Date.now() > deadline) throw new Error(`flwd :serve did not answer on ${bind}: ${log}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  return { dir, env, serve, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
