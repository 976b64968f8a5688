/**
 * What the real binary loads for the commands a person expects at once:
 * `--version`, `--help`, a completion script and the completion of static
 * words load neither Effect (with fast-check under effect/Schema) nor the
 * engine, its plugins or the HTTP stack. Counted by a module hook, not
 * timed, so it holds on any machine.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { collect, repo, sandbox } from "./_flwd.ts"
import { untracked } from "../helpers/untracked.ts"

t.setTimeout(300_000)

const hook = join(repo, "test/cli/_module-log.ts")
const bin = join(repo, "bin/flwd.js")

/** The modules `flwd args` loaded, as URLs, with its result. */
async function loaded(cwd: string, args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; modules: Array<string> }> {
  const log = join(cwd, `modules-${Math.random().toString(36).slice(2)}.log`)
  const child = spawn(...untracked([process.execPath, "--import", hook, bin, ...args]), {
    cwd,
    env: { ...process.env, FLWD_TEST_MODULE_LOG: log },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const r = await collect(child)
  return { code: r.code, stdout: r.stdout, modules: existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : [] }
}

const heavy = [
  /node_modules\/effect\//,
  /node_modules\/fast-check\//,
  /node_modules\/pure-rand\//,
  /node_modules\/hono\//,
  /node_modules\/undici\//,
  /node_modules\/prom-client\//,
  /\/create-engine\.ts$/,
  /\/plugins\//,
  /\/server\//
]

const quick: ReadonlyArray<ReadonlyArray<string>> = [
  ["--version"],
  ["--help"],
  [":jobs", "--help"],
  ["completion", "bash"],
  [":complete", "--", ":"],
  [":complete", "--", ":runs", ""],
  [":complete", "--", ":jobs", "--"],
  [":complete", "--", "completion", ""]
]

for (const args of quick) {
  t.test(`flwd ${args.join(" ")} loads no Effect, engine or server module`, async (t) => {
    const box = sandbox(t)
    const r = await loaded(box.cwd, args)
    t.equal(r.code, 0)
    t.not(r.stdout, "", "it answered")
    t.ok(r.modules.some((m) => m.endsWith("/cli/main.ts")), "the hook saw the CLI load")
    const offending = r.modules.filter((m) => heavy.some((h) => h.test(m)))
    t.same(offending.slice(0, 5), [], `${offending.length} heavy modules loaded`)
  })
}
