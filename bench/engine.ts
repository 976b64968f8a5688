/**
 * @module
 * Engine benchmarks (issue: engine foundation):
 * - `flwd :jobs` cold start on a generated 1,000-job tree (median of 10
 *   processes), against `node -e ''` (the bare runtime start) in the same run;
 * - an in-process plan of a 10-argument job (median of many);
 * - 500 trivial runs end to end through the engine (runs/s).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { createEngine, Effect, Engine } from "../mod.ts"
import { writeGeneratedJobs } from "./_job-tree.ts"
import { median, ms, report } from "./_stats.ts"

const repo = resolve(import.meta.dirname, "..")
const work = mkdtempSync(join(tmpdir(), "flwd-bench-"))
const root = join(work, "jobs")

function generateTree(count: number): void {
  writeGeneratedJobs(root, count)
  const ten = join(root, "ten-args")
  mkdirSync(ten, { recursive: true })
  const args = Array.from(
    { length: 10 },
    (_, i) =>
      i % 3 === 0
        ? `    - { name: s${i}, type: string, required: true, maxLength: 64, pattern: "^[a-z]+$" }`
        : i % 3 === 1
        ? `    - { name: n${i}, type: integer, default: 3, minimum: 0, maximum: 100 }`
        : `    - { name: b${i}, type: boolean, default: false }`
  )
  writeFileSync(join(ten, "config.yaml"), ["command: ./run.sh", "argspec:", "  args:", ...args, ""].join("\n"))
  writeFileSync(join(ten, "run.sh"), "#!/bin/sh\ntrue\n", { mode: 0o755 })
}

function timeProcess(argv: ReadonlyArray<string>): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, argv, { cwd: work, stdio: ["ignore", "ignore", "pipe"] })
  const elapsed = performance.now() - started
  if (result.status !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr}`)
  return elapsed
}

generateTree(1000)
// The entry npm installs: it turns on the compile cache before loading the CLI.
const cli = join(repo, "bin", "flwd.js")
const dataDir = join(work, "data")
// One warm-up run creates the database, as a user's first command would.
execFileSync(process.execPath, [cli, ":jobs", "--root", root, "--data-dir", dataDir], { cwd: work, stdio: "ignore" })

const bare = median(Array.from({ length: 10 }, () => timeProcess(["-e", ""])))
const cold = median(Array.from({ length: 10 }, () => timeProcess([cli, ":jobs", "--root", root, "--data-dir", dataDir])))
report("flwd :jobs, 1,000-job tree, cold process (median of 10)", ms(cold), "goal <= 250 ms")
report("node -e '' bare start, same run (median of 10)", ms(bare), `ratio ${(cold / bare).toFixed(2)}x`)

const engine = await createEngine({ root, dataDir: join(work, "data-inproc"), maxConcurrentRuns: 8 })
const planArgs = { s0: "abc", s3: "def", s6: "ghi", s9: "jkl" }
const plan = Effect.flatMap(Engine, (e) => e.plan({ job: "ten-args", args: planArgs }))
for (let i = 0; i < 200; i++) await engine.run(plan)
const planTimes: Array<number> = []
for (let i = 0; i < 2000; i++) {
  const started = performance.now()
  await engine.run(plan)
  planTimes.push(performance.now() - started)
}
report("in-process plan of a 10-arg job (median of 2,000)", ms(median(planTimes)), "goal <= 1 ms")

const runs = 500
const started = performance.now()
const ids = await Promise.all(
  Array.from({ length: runs }, () => engine.run(Effect.flatMap(Engine, (e) => e.run({ job: "ten-args", args: planArgs }))).then((r) => r.id))
)
await engine.run(Effect.flatMap(Engine, (e) => e.awaitIdle))
const elapsed = (performance.now() - started) / 1000
const failed = (await Promise.all(ids.map((id) => engine.run(Effect.flatMap(Engine, (e) => e.getRun(id))))))
  .filter((r) => r.status !== "succeeded").length
report(`${runs} trivial runs end to end, 8 at a time`, `${(runs / elapsed).toFixed(1)} runs/s`, failed > 0 ? `${failed} FAILED` : "all succeeded")
await engine.dispose()
rmSync(work, { recursive: true, force: true })
