/**
 * @module
 * Docs that run: every fenced shell block in README.md and docs/*.md is
 * either run here, as written, or marked `<!-- illustrative -->` on the line
 * before its fence (then it must still parse as bash). A doc's blocks run in
 * one bash session, in order, since later blocks use what earlier ones made;
 * `<!-- doc-test: server -->` / `<!-- doc-test: registry -->` start a dev
 * server or a real docker-registry on loopback first, and the addresses the
 * docs name (127.0.0.1:8080, 127.0.0.1:5000) are pointed at them. The
 * authoring guide is left to its own test (test/docs/authoring-guide.test.ts).
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { freePort, startRegistry } from "../helpers/registry.ts"
import { untracked } from "../helpers/untracked.ts"
import { startMockSigstore } from "../plugins/trust/_sigstore-mock.ts"
import { type Fence, shellFences, yamlAfter } from "./_fences.ts"
import { repo, workspace } from "./_workspace.ts"

const ownTests = new Set(["authoring.md"])
t.setTimeout(600_000)
// Docs are independent workspaces: two at a time keeps the file near two minutes.
t.jobs = 2

const docs = ["README.md", ...readdirSync(join(repo, "docs")).filter((f) => f.endsWith(".md") && !ownTests.has(f)).map((f) => `docs/${f}`)]

/** Seconds one block may take before the session is stopped and the block named. */
const blockTimeout = 120

/** Each block announces itself on stderr, so a failure or a timeout names its file:line. */
const prelude = "set -euo pipefail\n"
const session = (fences: ReadonlyArray<Fence>, addresses: ReadonlyArray<[string, string]>): string =>
  prelude + fences.map((f) => {
    let script = f.script
    for (const [from, to] of addresses) script = script.split(from).join(to)
    return `printf '::doc-block %s\\n' '${f.file}:${f.line}' >&2\n${script}\n`
  }).join("")

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** The block that was still running when its time ran out. */
  readonly timedOut: boolean
}

/**
 * Runs a session in its own process group; the clock restarts at each
 * block, and on expiry or exit the whole group goes, so nothing a block
 * started outlives it.
 */
const bash = (script: string, cwd: string, env: Record<string, string>): Promise<Ran> =>
  new Promise((resolve) => {
    const child = spawn(...untracked(["bash", "-c", script], env), { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    const stopGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch { /* already gone */ }
    }
    const expire = () => {
      timedOut = true
      stopGroup()
    }
    let clock = setTimeout(expire, blockTimeout * 1000)
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()))
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString()
      if (b.includes("::doc-block ")) {
        clearTimeout(clock)
        clock = setTimeout(expire, blockTimeout * 1000)
      }
    })
    child.on("exit", (code) => {
      clearTimeout(clock)
      // Give the pipes a moment to drain, then end whatever the block left running.
      setTimeout(() => {
        stopGroup()
        resolve({ code, stdout, stderr, timedOut })
      }, 500)
    })
  })

for (const doc of docs) {
  const fences = shellFences(doc, readFileSync(join(repo, doc), "utf8"))
  if (fences.length === 0) continue
  t.test(doc, async (t) => {
    t.setTimeout(300_000)
    for (const f of fences.filter((f) => f.illustrative)) {
      const parsed = spawnSync("bash", ["-n"], { input: f.script, encoding: "utf8" })
      t.equal(parsed.status, 0, `${f.file}:${f.line}: an illustrative block still parses as bash`, { stderr: parsed.stderr })
    }
    const runnable = fences.filter((f) => !f.illustrative)
    if (runnable.length === 0) return
    const ws = workspace()
    t.teardown(ws.remove)
    const addresses: Array<[string, string]> = []
    const env = { ...ws.env }
    if (runnable.some((f) => f.needs.includes("registry"))) {
      const registry = await startRegistry(t)
      addresses.push(["127.0.0.1:5000", registry.host])
      env["REGISTRY"] = registry.host
    }
    if (runnable.some((f) => f.needs.includes("server"))) {
      const bind = `127.0.0.1:${await freePort()}`
      const server = await ws.serve(bind)
      t.teardown(() => void server.kill("SIGTERM"))
      addresses.push(["127.0.0.1:8080", bind])
    }
    const ran = await bash(session(runnable, addresses), ws.dir, env)
    const last = [...ran.stderr.matchAll(/^::doc-block (.*)$/gm)].at(-1)?.[1] ?? doc
    t.equal(ran.code, 0, `${last}: ${ran.timedOut ? `timed out after ${blockTimeout}s` : ran.code === 0 ? "ran" : `exited ${ran.code}`}`, {
      stderr: ran.stderr.split(/^::doc-block .*$/m).at(-1)?.slice(-3000),
      stdout: ran.stdout.slice(-2000)
    })
  })
}

t.test("the documented policy and configuration files are accepted as written", async (t) => {
  const ws = workspace()
  t.teardown(ws.remove)
  const policy = yamlAfter(readFileSync(join(repo, "docs/security.md"), "utf8"), /trusted root read\) is part of that check/)
  const config = yamlAfter(readFileSync(join(repo, "docs/config.md"), "utf8"), /must exist/)
  t.ok(policy, "docs/security.md has its policy example")
  t.ok(config, "docs/config.md has its flwd.yaml example")
  // The files the examples name are the reader's own: keys, a trusted root, a local tree.
  mkdirSync(join(ws.dir, "trust"))
  writeFileSync(join(ws.dir, "trust/trusted_root.json"), (await startMockSigstore(t)).trustedRoot)
  mkdirSync(join(ws.dir, "team-jobs"))
  const keys = await bash("mkdir keys && flwd :addon keygen --out keys/release && flwd :addon keygen --out keys/ci", ws.dir, ws.env)
  t.equal(keys.code, 0, `flwd :addon keygen: ${keys.stderr}`)
  writeFileSync(join(ws.dir, "flwd.policy.yaml"), policy ?? "")
  writeFileSync(join(ws.dir, "flwd.yaml"), config ?? "")
  const shown = await bash("flwd :policy show --policy flwd.policy.yaml", ws.dir, ws.env)
  t.equal(shown.code, 0, `docs/security.md policy example: ${shown.stderr}`)
  const validated = await bash("flwd :config validate flwd.yaml", ws.dir, ws.env)
  t.equal(validated.code, 0, `docs/config.md flwd.yaml example: ${validated.stderr}`)
  t.match(validated.stdout, /flwd\.yaml: valid/)
})
