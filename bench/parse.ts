/**
 * @module
 * Parsing benchmarks: what the hand-written fast paths beside the Schemas
 * and the `yaml` library are worth, each against the library path it
 * skips, measured in the same run with repetitions interleaved:
 * - discovery of a generated 1,000-job tree in-process (CPU time), with and
 *   without the fast YAML reader (`plugins/tree/_fast-yaml.ts`); each
 *   variant runs in a child process, where a module hook replaces the fast
 *   reader by one that always declines, so `yaml` does all the work, as it
 *   would without it;
 * - decoding valid arguments of a 10-argument job with a thousand jobs'
 *   specs in use: the fast acceptor (`core/engine/args-fast.ts`) against
 *   the argspec's Schema.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { registerHooks } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { median, ms, report } from "./_stats.ts"

/** Modules that decline everything, standing in for a fast path that is not there. */
const declining: Record<string, string> = { yaml: "export function parseYamlSubset() { return undefined }" }
const files: Record<string, string> = { yaml: "/plugins/tree/_fast-yaml.ts" }

if (process.argv[2] === "discover") {
  // Child: discover the tree a few times, without the fast paths named.
  const [, , , root, without = ""] = process.argv
  const stubs = without.split(",").filter((w) => w !== "")
  registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context)
      const stub = stubs.find((s) => resolved.url.endsWith(files[s]))
      return stub === undefined ? resolved : { url: `data:text/javascript,${encodeURIComponent(declining[stub])}`, shortCircuit: true }
    }
  })
  const { discoverJobTreeSync } = await import("../plugins/tree/mod.ts")
  const first = discoverJobTreeSync(root)
  const times: Array<number> = []
  for (let i = 0; i < 3; i++) {
    // CPU time, not wall time: on a shared machine the scheduler's delays swamp a difference of this size.
    const started = process.cpuUsage()
    discoverJobTreeSync(root)
    const used = process.cpuUsage(started)
    times.push((used.user + used.system) / 1000)
  }
  console.log(JSON.stringify({ median: median(times), jobs: first.jobs.length, errors: first.diagnostics.filter((d) => d.level === "error").length }))
  process.exit(0)
}

const work = mkdtempSync(join(tmpdir(), "flwd-bench-parse-"))
const root = join(work, "jobs")
for (let i = 0; i < 1000; i++) {
  const dir = join(root, `group-${i % 20}`, `job-${i}`)
  mkdirSync(dir, { recursive: true })
  // The shape of bench/engine.ts's tree, plus a comment and a block sequence.
  writeFileSync(
    join(dir, "config.yaml"),
    [
      `name: Job ${i}  # generated`,
      `summary: Generated job number ${i}`,
      "command: ./run.sh",
      "tags:",
      "  - generated",
      "argspec:",
      "  args:",
      "    - { name: target, type: string, required: true }",
      "    - { name: count, type: integer, default: 1, minimum: 1 }",
      "    - name: mode",
      "      type: string",
      "      enum: [fast, slow]",
      "      default: fast",
      ""
    ].join("\n")
  )
  writeFileSync(join(dir, "run.sh"), "#!/bin/sh\necho ok\n", { mode: 0o755 })
}

const variants = [
  { without: "", name: "with the fast YAML reader" },
  { without: "yaml", name: "with yaml alone" }
]
const discovery = new Map<string, Array<number>>()
for (let round = 0; round < 5; round++) {
  for (const v of variants) {
    const child = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", import.meta.filename, "discover", root, v.without], {
      encoding: "utf8"
    })
    if (child.status !== 0) throw new Error(`discovery ${v.without} failed: ${child.stderr}`)
    const out = JSON.parse(child.stdout) as { median: number; jobs: number; errors: number }
    if (out.jobs !== 1000 || out.errors !== 0) throw new Error(`discovery ${v.without} found ${out.jobs} jobs, ${out.errors} errors`)
    discovery.set(v.without, [...(discovery.get(v.without) ?? []), out.median])
  }
}
const today = median(discovery.get("")!)
for (const v of variants) {
  const m = median(discovery.get(v.without)!)
  report(`discover 1,000 jobs ${v.name} (CPU)`, ms(m), v.without === "" ? "" : `${(m / today).toFixed(2)}x`)
}

// Arguments: a thousand distinct 10-argument specs, decoded round-robin as a busy server would.
const Schema = await import("effect/Schema")
const { compileArgSpec } = await import("../core/engine/args.ts")
const { fastArgs } = await import("../core/engine/args-fast.ts")
const specs = Array.from({ length: 1000 }, (_, j) => ({
  args: Array.from(
    { length: 10 },
    (_, i) =>
      i % 3 === 0
        ? { name: `s${i}`, type: "string" as const, required: true, maxLength: 64, pattern: "^[a-z]+$" }
        : i % 3 === 1
        ? { name: `n${i}`, type: "integer" as const, default: 3, minimum: 0, maximum: 100 + j }
        : { name: `b${i}`, type: "boolean" as const, default: false }
  )
}))
const valid = { s0: "abc", s3: "def", s6: "ghi", s9: "jkl" }
const fast = specs.map((s) => fastArgs(s.args))
const schema = specs.map((s) => Schema.decodeUnknownEither(compileArgSpec(s).schema, { errors: "all", onExcessProperty: "error" }))
const perCall = (decoders: ReadonlyArray<(u: any) => unknown>) => {
  const started = performance.now()
  for (let i = 0; i < 5000; i++) decoders[i % decoders.length](valid)
  return (performance.now() - started) / 5000
}
for (let i = 0; i < 2; i++) perCall(fast), perCall(schema)
const decodeTimes = { fast: [] as Array<number>, schema: [] as Array<number> }
for (let round = 0; round < 11; round++) {
  decodeTimes.fast.push(perCall(fast))
  decodeTimes.schema.push(perCall(schema))
}
const fastMedian = median(decodeTimes.fast)
const schemaMedian = median(decodeTimes.schema)
report("decode valid 10-arg args, fast acceptor (1,000 specs)", ms(fastMedian), `${(schemaMedian / fastMedian).toFixed(2)}x faster`)
report("decode valid 10-arg args, the argspec's Schema", ms(schemaMedian))
rmSync(work, { recursive: true, force: true })
