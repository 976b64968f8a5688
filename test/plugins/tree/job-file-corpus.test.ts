/**
 * The fast YAML reader against the library it stands in for, on generated
 * job files of every shape tree-v1 knows (every key of TreeConfig, block
 * and flow forms, each kind of scalar), whole and mutated:
 * `parseConfigYaml` answers exactly as `yaml` alone, error cases included
 * (the fast reader never accepts what `yaml` rejects).
 */
import t from "tap"
import { parseDocument } from "yaml"
import { parseYamlSubset } from "../../../plugins/tree/_fast-yaml.ts"
import { parseConfigYaml } from "../../../plugins/tree/mod.ts"

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function random(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const rnd = random(611)
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]
const maybe = (p = 0.5) => rnd() < p

/** Scalars as job files write them: plain, quoted, numbers, booleans, nulls, durations, paths. */
const scalars = [
  "Hello",
  "Greets someone",
  "./run.sh",
  "echo hi",
  "'quoted # not a comment'",
  '"d\\tq"',
  "'it''s'",
  "1",
  "-2",
  "1.5",
  "1e3",
  "007",
  "true",
  "False",
  "null",
  "~",
  "yes",
  "10m",
  "1h30m",
  "500ms",
  "30",
  "^[a-z]+$",
  "x:y",
  "a#b",
  "http://x/y#z",
  "v1.2.3",
  ""
]
const words = () =>
  maybe()
    ? pick(["./run.sh", "echo hi", "python3 main.py --x 1"])
    : `[${Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(["./run.sh", "echo", "'a b'", '"-x"'])).join(", ")}]`
const argFlow = () =>
  `{ name: ${pick(["target", "count", "mode", "t-1", "_x"])}, type: ${pick(["string", "integer", "number", "boolean", "array", "object", "strin"])}${
    maybe() ? `, required: ${pick(["true", "false", "yes"])}` : ""
  }${maybe(0.3) ? `, default: ${pick(scalars.filter((s) => s !== ""))}` : ""}${maybe(0.2) ? `, enum: [${pick(["a", "1", "true"])}, b]` : ""}${
    maybe(0.2) ? `, minimum: ${pick(["1", "-1", "x"])}` : ""
  }${maybe(0.1) ? `, pattern: "^a"` : ""}${maybe(0.1) ? `, format: ${pick(["secret", "path", "url"])}` : ""}${maybe(0.05) ? ", type: string" : ""} }`
const argBlock = (indent: string) =>
  [
    `${indent}- name: ${pick(["target", "count", "mode"])}`,
    `${indent}  type: ${pick(["string", "integer", "array"])}`,
    ...(maybe() ? [`${indent}  description: ${pick(scalars)}`] : []),
    ...(maybe(0.3) ? [`${indent}  items_type: string`] : []),
    ...(maybe(0.3) ? [`${indent}  maxLength: ${pick(["3", "1.5", "-1"])}`] : [])
  ].join("\n")

/** One job file: a random subset of TreeConfig's keys, in random forms. */
function jobFile(): string {
  const lines: Array<string> = []
  if (maybe(0.8)) lines.push(`name: ${pick(scalars)}${maybe(0.2) ? "  # the title" : ""}`)
  if (maybe(0.6)) lines.push(`summary: ${pick(scalars)}`)
  if (maybe(0.2)) lines.push(`description: ${pick(scalars)}`)
  if (maybe(0.2)) lines.push(`interpreter: ${words()}`)
  if (maybe(0.7)) lines.push(`command: ${words()}`)
  else if (maybe()) lines.push("command:", "  - ./run.sh", `  - ${pick(scalars)}`)
  if (maybe(0.3)) {
    lines.push("steps:")
    for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) {
      if (maybe()) lines.push(`  - { id: s${i}, script: ./s${i}.sh${i > 0 && maybe() ? `, needs: [s${i - 1}]` : ""} }`)
      else lines.push(`  - id: s${i}`, `    command: ${words()}`, ...(i > 0 ? [`    needs: s${i - 1}`] : []))
    }
  }
  if (maybe(0.6)) {
    lines.push("argspec:", "  args:")
    for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) lines.push(maybe() ? `    - ${argFlow()}` : argBlock("    "))
  } else if (maybe(0.3)) {
    lines.push(
      "arguments:",
      `  ${pick(["target", "count"])}:`,
      `    type: ${pick(["string", "integer"])}`,
      `    default: ${pick(scalars.filter((s) => s !== ""))}`
    )
  }
  if (maybe(0.3)) lines.push("env:", `  MODE: ${pick(scalars)}`, `  LEVEL: ${pick(["3", "true", "x"])}`)
  if (maybe(0.3)) lines.push(`timeout: ${pick(["30", "10m", "1h30m", "-1", "x"])}`)
  if (maybe(0.2)) lines.push(`security_profile: ${pick(["default", "sandbox"])}`, `executor: ${pick(["process", "bwrap"])}`)
  if (maybe(0.2)) lines.push(`concurrency: ${pick(["1", "0", "2.5"])}`)
  if (maybe(0.1)) lines.push(`tags: [${pick(scalars)}]`)
  // A line written twice: a duplicate key, which yaml rejects, or a second list item.
  if (maybe(0.1) && lines.length > 0) {
    const at = Math.floor(rnd() * lines.length)
    lines.splice(at, 0, lines[at])
  }
  return lines.join("\n") + "\n"
}

/** What `yaml` alone makes of a text, as parseConfigYaml words it. */
function library(text: string): ReturnType<typeof parseConfigYaml> {
  const doc = parseDocument(text, { prettyErrors: true })
  const error = doc.errors[0]
  if (error) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 }
    return { ok: false, line: pos.line, column: pos.col, message: error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "") }
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) }
  } catch (e) {
    return { ok: false, line: 1, column: 1, message: e instanceof Error ? e.message : String(e) }
  }
}

const noise = [":", "#", " ", "-", "'", '"', "[", "]", "{", "}", ",", "\n", "  ", "&", "*", "!", "|", ">", "?", "\t", "%", "@", "`"]

t.test("parseConfigYaml() answers as yaml alone on every job-file shape, whole and mutated", async (t) => {
  let fast = 0
  let errors = 0
  for (let n = 0; n < 4000; n++) {
    let text = jobFile()
    if (n % 2 === 1) {
      for (let k = 0; k < 1 + Math.floor(rnd() * 2); k++) {
        const at = Math.floor(rnd() * text.length)
        text = text.slice(0, at) + pick(noise) + text.slice(at + (maybe() ? 1 : 0))
      }
    }
    const expected = library(text)
    if (!expected.ok) errors++
    const subset = parseYamlSubset(text)
    if (subset !== undefined) {
      fast++
      if (!expected.ok) {
        t.fail(`the fast reader accepts what yaml rejects (${expected.message}): ${JSON.stringify(text)}`)
        continue
      }
    }
    const got = parseConfigYaml(text)
    if (JSON.stringify(got) !== JSON.stringify(expected)) t.same(got, expected, JSON.stringify(text))
  }
  // Both sides must be exercised, or the comparison proves nothing.
  t.ok(fast > 1500, `the fast reader answered ${fast} of 4000`)
  t.ok(errors > 300, `yaml rejected ${errors} of 4000`)
})
