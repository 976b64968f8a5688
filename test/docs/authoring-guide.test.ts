/**
 * docs/authoring.md followed as a newcomer would: every `sh` block of the
 * guide (except those marked `<!-- doc-test: skip … -->`) run in order, as
 * written, by one bash in an empty directory — start a registry, scaffold,
 * validate, pack and push, sign, add the signed add-on under
 * `verify_signatures: required` in a second data directory and run it,
 * then change it and refresh. Only `REGISTRY` (a free loopback port) and
 * the `flwd` on PATH (this checkout's CLI) come from the test.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { chmodSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../helpers/engine.ts"
import { freePort } from "../helpers/registry.ts"
import { untracked } from "../helpers/untracked.ts"

const repo = join(import.meta.dirname, "..", "..")

/** The guide's runnable `sh` blocks, in order. */
function shellBlocks(markdown: string): ReadonlyArray<string> {
  const blocks: Array<string> = []
  const fence = /^```sh\n([\s\S]*?)^```\n(<!-- doc-test: skip[^\n]*-->)?/gm
  for (const m of markdown.matchAll(fence)) if (m[2] === undefined) blocks.push(m[1])
  return blocks
}

/** The environment without FLWD_* settings: the guide starts from defaults. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FLWD_")))
}

t.test("docs/authoring.md, followed literally, ends in a signed add-on running on another server", { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, "flwd-authoring-")
  const bin = tempDir(t, "flwd-bin-")
  // `flwd` as a user has it on PATH: this checkout's CLI on its pinned Node.
  writeFileSync(join(bin, "flwd"), `#!/bin/sh\nexec "${process.execPath}" "${join(repo, "cli", "main.ts")}" "$@"\n`)
  chmodSync(join(bin, "flwd"), 0o755)
  const blocks = shellBlocks(readFileSync(join(repo, "docs", "authoring.md"), "utf8"))
  t.ok(blocks.length >= 6, "the guide has its steps as sh blocks")
  const script = ["set -euo pipefail", ...blocks.map((b, i) => `echo "::block ${i + 1}" >&2\n${b}`)].join("\n")
  const registry = `127.0.0.1:${await freePort()}`
  const env = { ...userEnv(), REGISTRY: registry, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" }
  const child = spawn(...untracked(["bash", "-c", script], env), {
    cwd: dir,
    detached: true, // its own process group: the registry it starts goes with it
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  t.teardown(() => {
    try {
      process.kill(-child.pid!, "SIGTERM")
    } catch {
      // already gone
    }
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (c: Buffer) => stdout += c.toString())
  child.stderr.on("data", (c: Buffer) => stderr += c.toString())
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
  t.equal(code, 0, `every step succeeds\n--- stdout\n${stdout}\n--- stderr\n${stderr}`)
  t.match(stdout, /^valid: hello-tools 0\.1\.0 \(Hello Tools\)$/m, "validate passes")
  t.match(stdout, /^Hello, Alice!$/m, "the signed add-on runs under verify_signatures: required")
  t.match(stdout, /^Hi, Alice!$/m, "after a new push and one refresh, the changed job runs")
  t.notMatch(stderr, /execvp|No such file or directory/)
})
