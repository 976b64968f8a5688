/**
 * @module
 * `bin/flwd.js` starts `flwd :serve` (and `:sources add`) with V8's young
 * generation bounded by restarting itself once in the same process
 * (`process.execve`): the PID the caller spawned is the server's, and its
 * command line carries the flag. Unless the caller gave node the flag already, or opted out with
 * `FLWD_MAX_SEMI_SPACE_SIZE=off`; other commands run as started. Read from
 * `/proc/PID/cmdline` (Linux) and from inside the process.
 */
import t from "tap"
import type { Test } from "tap"
import { spawn } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { binJs, collect, sandbox, waitForOutput } from "./_flwd.ts"

t.setTimeout(300_000)
const skip = existsSync("/proc/self/cmdline") ? false : "reads /proc (Linux)"

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "")

/** The environment without the caller's flwd settings and node options. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(base)) if (key.startsWith("FLWD_")) delete base[key]
  delete base.NODE_OPTIONS
  return { ...base, FLWD_TOKENS: "test-token:*", ...extra }
}

/**
 * Starts `node [nodeArgs] bin/flwd.js :serve` and, once it listens, reads
 * the command line of the PID it spawned; then stops it with SIGTERM and
 * resolves with both and the exit status.
 */
async function serve(
  t: Test,
  options: { nodeArgs?: ReadonlyArray<string>; env?: Record<string, string> } = {}
): Promise<{ argv: Array<string>; code: number | null }> {
  const box = sandbox(t)
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), binJs, "--data-dir", box.dataDir, "--root", box.root, ":serve", "--bind", "127.0.0.1:0", "--grace", "1s"],
    { cwd: box.cwd, env: env(options.env), stdio: ["ignore", "pipe", "pipe"] }
  )
  const done = collect(child)
  await waitForOutput(child, /listening on http/)
  const argv = cmdline(child.pid!)
  child.kill("SIGTERM")
  const { code } = await done
  return { argv, code }
}

const bounded = (argv: ReadonlyArray<string>) => argv.filter((a) => a.startsWith("--max-semi-space-size"))

t.test("flwd :serve runs with a bounded young generation in the PID that was started", { skip }, async (t) => {
  const { argv, code } = await serve(t)
  t.match(bounded(argv), [/^--max-semi-space-size=\d+$/], "the flag, once")
  t.ok(argv.includes(binJs) && argv.includes(":serve"), "the same entry and command line")
  t.equal(code, 0, "SIGTERM to that PID stops the server gracefully")
})

t.test("FLWD_MAX_SEMI_SPACE_SIZE chooses the bound; off leaves node's default", { skip }, async (t) => {
  t.same(bounded((await serve(t, { env: { FLWD_MAX_SEMI_SPACE_SIZE: "4" } })).argv), ["--max-semi-space-size=4"])
  const off = await serve(t, { env: { FLWD_MAX_SEMI_SPACE_SIZE: "off" } })
  t.same(bounded(off.argv), [], "not restarted")
  t.equal(off.code, 0)
})

t.test("a bound the caller gave node is left as it is", { skip }, async (t) => {
  t.same(bounded((await serve(t, { nodeArgs: ["--max-semi-space-size=8"] })).argv), ["--max-semi-space-size=8"], "on node's command line")
  t.same(bounded((await serve(t, { env: { NODE_OPTIONS: "--max-semi-space-size=16" } })).argv), [], "in NODE_OPTIONS")
})

/**
 * What V8 was given, seen from inside the flwd process: a `--plugin` module
 * that records its PID, node flags and the young generation's reserved size
 * when it is loaded (the command then stops on it, not being a plugin).
 */
async function probe(t: Test, args: ReadonlyArray<string>, extra: Record<string, string> = {}) {
  const box = sandbox(t)
  const module = join(box.cwd, "probe.mjs")
  const out = join(box.cwd, "probe.json")
  writeFileSync(
    module,
    [
      'import { writeFileSync } from "node:fs"',
      'import v8 from "node:v8"',
      'const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")',
      `writeFileSync(${JSON.stringify(out)}, JSON.stringify({ pid: process.pid, execArgv: process.execArgv, young: young.space_size }))`,
      ""
    ].join("\n")
  )
  const child = spawn(process.execPath, [binJs, "--data-dir", box.dataDir, "--root", box.root, "--plugin", module, ...args], {
    cwd: box.cwd,
    env: env(extra),
    stdio: ["ignore", "pipe", "pipe"]
  })
  await collect(child)
  const seen = JSON.parse(readFileSync(out, "utf8")) as { pid: number; execArgv: Array<string>; young: number }
  return { ...seen, spawned: child.pid }
}

const MiB = 1024 * 1024

t.test("V8 runs :serve and :sources add with the bounded young generation; other commands with node's default", { skip }, async (t) => {
  const served = await probe(t, [":serve", "--bind", "127.0.0.1:0"])
  t.equal(served.pid, served.spawned, "in the PID that was spawned")
  t.match(served.execArgv, [/^--max-semi-space-size=\d+$/])
  const bound = Number(served.execArgv[0].split("=")[1])
  t.ok(served.young <= 2 * bound * MiB, `new space ${served.young} bytes, two semi-spaces of at most ${bound} MiB`)
  const added = await probe(t, [":sources", "add", "--type", "git", "--name", "ops", "--url", "file:///nowhere.git"])
  t.same(added.execArgv, served.execArgv, ":sources add pulls in its own process too")
  t.equal(added.pid, added.spawned)
  t.same((await probe(t, [":sources", "add", "--type=local", "--name", "team", "--path", "."])).execArgv, [], "but not a local tree")
  const jobs = await probe(t, [":jobs"])
  t.same(jobs.execArgv, [])
  t.ok(jobs.young > 2 * bound * MiB, `new space ${jobs.young} bytes: node's default reservation`)
  t.same((await probe(t, [":sources"])).execArgv, [], "listing the sources")
  const off = await probe(t, [":serve", "--bind", "127.0.0.1:0"], { FLWD_MAX_SEMI_SPACE_SIZE: "off" })
  t.same(off.execArgv, [])
  // Node's default young generation grows with what a process allocates (16 to 64 MiB), so only its floor is compared.
  t.ok(off.young > 2 * bound * MiB, `new space ${off.young} bytes: node's default, unbounded`)
})
