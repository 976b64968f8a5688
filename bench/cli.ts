/**
 * @module
 * CLI start-up (`npm run bench -- cli`): each command a person types, as a
 * fresh process through `bin/flwd.js` (the entry npm installs, which turns
 * on the compile cache first), against `node -e ''` (the bare runtime
 * start) measured in the same run. Repetitions are interleaved, command by
 * command, so a load spike on a shared machine hits every figure alike;
 * each command runs once unmeasured first, as a user's second command
 * would find the compile cache and the database already there.
 *
 * - `--version`, `--help`, `completion bash` and the static completion of
 *   `:` (goal ≤ 100 ms);
 * - the completion of job names on a generated 1,000-job tree, as the
 *   first Tab after other commands (they touched the database, so the
 *   cached ids are stale) and as a second Tab in a row (goal ≤ 100 ms);
 * - `:jobs` on that tree (goal ≤ 250 ms), after a run (the listing cache
 *   misses: the run wrote the database) and again in a row (it answers);
 * - a run of a trivial local job, end to end (goal ≤ 300 ms).
 *
 * Each command is measured twice: from the sources (a checkout, `npm run
 * flwd`) and as the published package runs it, from the CLI's bundle
 * (`bin/bundle-cli.ts`, built here into `bench/.out/cli-pkg/` laid out as
 * the package is) on a data directory of its own.
 *
 * `FLWD_BENCH_BASE=<another checkout>` measures that checkout's
 * `bin/flwd.js` beside each command in the same run (a before/after), on
 * its own data directory.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import process from "node:process"
import { packedCli } from "./_packed-cli.ts"
import { writeGeneratedJobs } from "./_job-tree.ts"
import { median, ms, report } from "./_stats.ts"

const repo = resolve(import.meta.dirname, "..")
const bin = join(repo, "bin", "flwd.js")
const work = mkdtempSync(join(tmpdir(), "flwd-bench-cli-"))
const root = join(work, "jobs")
const dataDir = join(work, "data")
const reps = Number(process.env.FLWD_BENCH_REPS ?? 9)

const packed = await packedCli("cli-pkg")

/** 1,000 jobs in 20 groups, each with two typed arguments, plus `trivial`. */
function generateTree(count: number): void {
  writeGeneratedJobs(root, count)
  const trivial = join(root, "trivial")
  mkdirSync(trivial, { recursive: true })
  writeFileSync(join(trivial, "config.yaml"), "summary: Prints one line\ncommand: ./run.sh\n")
  writeFileSync(join(trivial, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 })
}

interface Case {
  readonly name: string
  readonly argv: ReadonlyArray<string>
  readonly goal: string
  /** Run once untimed right before each timed run (a second Tab in a row). */
  readonly again?: boolean
  readonly times: Array<number>
}

const base = process.env.FLWD_BENCH_BASE
const flwd = (...args: Array<string>) => [bin, "--root", root, "--data-dir", dataDir, ...args]
const ours: ReadonlyArray<Case> = [
  { name: "node -e ''", argv: ["-e", ""], goal: "(reference)", times: [] },
  { name: "flwd --version", argv: flwd("--version"), goal: "≤ 100 ms", times: [] },
  { name: "flwd --help", argv: flwd("--help"), goal: "≤ 100 ms", times: [] },
  { name: "flwd completion bash", argv: flwd("completion", "bash"), goal: "≤ 100 ms", times: [] },
  { name: "flwd :complete -- : (static)", argv: flwd(":complete", "--", ":"), goal: "≤ 100 ms", times: [] },
  // After other commands: each of them touched the database, so the cached
  // ids are stale and the engine lists the jobs.
  { name: "flwd :complete -- :plan group-1/ (job names, first Tab)", argv: flwd(":complete", "--", ":plan", "group-1/"), goal: "≤ 100 ms", times: [] },
  { name: "  the same, second Tab in a row (cached ids)", argv: flwd(":complete", "--", ":plan", "group-1/"), goal: "≤ 100 ms", again: true, times: [] },
  { name: "flwd :jobs (1,000 jobs)", argv: flwd(":jobs"), goal: "≤ 250 ms", times: [] },
  // Nothing changed since the listing before it: the cached catalogue answers.
  { name: "  the same, again (nothing changed)", argv: flwd(":jobs"), goal: "≤ 250 ms", again: true, times: [] },
  { name: "flwd trivial (a local job run, end to end)", argv: flwd("trivial"), goal: "≤ 300 ms", times: [] }
]
const variant = (c: Case, label: string, entry: string, data: string): Case => ({
  ...c,
  name: `  ${label}: ${c.name.trim()}`.slice(0, 58),
  argv: [entry, "--root", root, "--data-dir", data, ...c.argv.slice(5)],
  goal: "",
  times: []
})
const cases: ReadonlyArray<Case> = ours.flatMap((c) =>
  c.argv[0] !== bin ? [c] : [
    c,
    variant(c, "packed", packed, `${dataDir}-packed`),
    ...(base === undefined ? [] : [variant(c, base.split("/").pop() ?? "base", join(resolve(base), "bin", "flwd.js"), `${dataDir}-base`)])
  ]
)

function timeOnce(c: Case): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, c.argv, { cwd: work, stdio: ["ignore", "pipe", "pipe"] })
  const elapsed = performance.now() - started
  if (result.status !== 0) throw new Error(`${c.name} failed (${result.status}): ${result.stderr}`)
  if (c.argv[0] !== "-e" && result.stdout.length === 0) throw new Error(`${c.name} printed nothing`)
  return elapsed
}

try {
  generateTree(1000)
  for (const c of cases) timeOnce(c)
  for (let i = 0; i < reps; i++) {
    for (const c of cases) {
      if (c.again === true) timeOnce(c)
      c.times.push(timeOnce(c))
    }
  }
  const bare = median(cases[0].times)
  console.log(`median of ${reps} interleaved runs each; ratio against node -e '' (${ms(bare)})`)
  for (const c of cases) {
    const m = median(c.times)
    report(c.name, `${ms(m)} ${(m / bare).toFixed(1)}×`, c.goal)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
