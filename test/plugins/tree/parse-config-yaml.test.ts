import t from "tap"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { parse } from "yaml"
import { parseYamlSubset } from "../../../plugins/tree/_fast-yaml.ts"
import { parseConfigYaml } from "../../../plugins/tree/mod.ts"

/** Documents inside the fast reader's subset, and some just outside it. */
const corpus = [
  "",
  "# only a comment\n",
  "name: Hello world   # trailing comment\nsummary: Greets someone\ncommand: ./run.sh\n",
  "a:\n- 1\n- -2.5\n- x y  z\n- 'it''s'\n- \"q\\\"x\\n\\t\\u00e9\"\nb: ~\nc:\nd: [ ]\ne: {}\nf: a:b\ng: http://x.y/z?q=1#frag\n",
  "args:\n  - name: n\n    type: integer\n    minimum: 1\n  - name: m\n    enum: [a, 'b c', \"d\", 3, true, null]\n",
  "  a: 1\n  b:\n    c: 2\n",
  "- a: 1\n  b: 2\n- c: 3\n",
  "-   a: 1\n    b: 2\n",
  "a: {b: [c, {d: e}], f: 'g', h: -1, i: 1e3}\n",
  "ints: [0, 007, +5, -0, 1., .5, 12345678901234]\nbools: [true, True, TRUE, false, False, FALSE]\nnulls: [~, null, Null, NULL]\n",
  "strings: [yes, no, on, off, 1_000, 0b11, 1.2.3, 10m, 500ms, 1h30m, v1, a#b]\n",
  "pattern: ^[a-z]+$\ncommand: echo {x} [y] a,b\nq: 'a#1'\n",
  "000_x: 1\nkey.with.dots: 2\nslash/key: 3\nunder_score: 4\ndash-key: 5\n",
  "steps:\n  - { id: build, script: ./build.sh }\n  - { id: test, script: ./test.sh, needs: [build] }\n",
  "nested:\n  deeper:\n    deepest:\n      - [1, [2, [3]]]\n",
  "seq_at_key_indent:\n- a\n- b\nnext: 1\n",
  // Outside the subset: the full parser answers (or errors).
  "a: b: c\n",
  "a: 1\na: 2\n",
  "a: &x 1\nb: *x\n",
  "a: |\n  line\n",
  "a: >-\n  folded\n  text\n",
  "x\n",
  "a: [1, 2,]\n",
  "a: '#x' # y\n",
  "q: 'a # not a comment'\n",
  "hex: 0x10\noct: 0o7\ninf: .inf\nnan: .nan\n",
  "a:\n  b: 1\n c: 2\n",
  "a: x\n  continued\n",
  "a:\tb\n",
  '"quoted key": 1\n',
  "a: !!str 1\n",
  "? complex\n: key\n",
  "true: 1\n1: 2\n",
  "---\na: 1\n",
  "a: [1,\n  2]\n",
  'a: "multi\n  line"\n',
  "a: 12345678901234567890\n",
  "__proto__: 1\n"
]

t.test("parseYamlSubset() agrees with yaml wherever it answers", async (t) => {
  for (const text of corpus) {
    const fast = parseYamlSubset(text)
    if (fast === undefined) continue
    t.same(fast, parse(text), JSON.stringify(text))
    t.equal(JSON.stringify(fast), JSON.stringify(parse(text)), `${JSON.stringify(text)} keeps key order`)
  }
})

t.test("parseYamlSubset() reads the common layouts itself", async (t) => {
  for (const text of corpus.slice(0, 16)) t.not(parseYamlSubset(text), undefined, JSON.stringify(text))
  const examples = resolve(import.meta.dirname, "../../../examples/jobs")
  const configs: Array<string> = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name === "config.yaml") configs.push(path)
    }
  }
  walk(examples)
  t.ok(configs.length >= 4)
  for (const path of configs) {
    const text = readFileSync(path, "utf8")
    const fast = parseYamlSubset(text)
    if (fast !== undefined) t.same(fast, parse(text), path)
  }
})

t.test("parseYamlSubset() leaves everything else to yaml", async (t) => {
  for (const text of corpus.slice(16)) t.equal(parseYamlSubset(text), undefined, JSON.stringify(text))
})

t.test("parseConfigYaml() parses any YAML and reports the first error with its position", async (t) => {
  t.same(parseConfigYaml("a: &x [1]\nb: *x\n"), { ok: true, value: { a: [1], b: [1] } })
  t.same(parseConfigYaml("a: |\n  line\n"), { ok: true, value: { a: "line\n" } })
  t.same(parseConfigYaml("a: b: c\n"), { ok: false, line: 1, column: 4, message: "Nested mappings are not allowed in compact mappings" })
  t.same(parseConfigYaml("ok: 1\nok: 2\n"), { ok: false, line: 2, column: 1, message: "Map keys must be unique" })
  const unclosed = parseConfigYaml("summary: x\ncommand: [a\n")
  t.equal(unclosed.ok, false)
})

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

const scalars = [
  "a",
  "b c",
  "1",
  "-2",
  "1.5",
  "1e3",
  "true",
  "False",
  "null",
  "~",
  "yes",
  "10m",
  "./run.sh",
  "x:y",
  "a#b",
  "'q'",
  '"d"',
  "'it''s'",
  '"e\\"s"',
  "007",
  "+1",
  ".5",
  "-",
  "[]",
  "{}",
  "-x",
  "a b  c"
]
const keys = ["name", "type", "args", "a", "b_c", "000_x", "k.v", "x-y"]

t.test("parseYamlSubset() agrees with yaml on generated and mutated documents", async (t) => {
  const rnd = random(20240601)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]
  const flow = (depth: number): string => {
    const r = rnd()
    if (depth > 2 || r < 0.5) return pick(scalars)
    if (r < 0.75) return `[${Array.from({ length: Math.floor(rnd() * 3) }, () => flow(depth + 1)).join(", ")}]`
    return `{${[...new Set(Array.from({ length: Math.floor(rnd() * 3) }, () => pick(keys)))].map((k) => `${k}: ${flow(depth + 1)}`).join(", ")}}`
  }
  const block = (indent: string, depth: number): string => {
    const seq = rnd() < 0.3
    const names = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(keys)))]
    return names.map((k) => {
      const head = seq ? `${indent}- ` : `${indent}${k}:`
      const r = rnd()
      if (depth < 2 && r < 0.3) return seq ? `${head}${k}: ${flow(1)}` : `${head}\n${block(indent + "  ", depth + 1)}`
      return `${head}${seq ? "" : " "}${flow(0)}${rnd() < 0.2 ? " # note" : ""}`
    }).join("\n")
  }
  const noise = [":", "#", " ", "-", "'", '"', "[", "]", "{", "}", ",", "\n", "  ", "&", "*", "!", "|", ">", "?", "\t"]
  let answered = 0
  let compared = 0
  for (let n = 0; n < 3000; n++) {
    let text = block("", 0) + "\n"
    if (n % 2 === 1) {
      const at = Math.floor(rnd() * text.length)
      text = text.slice(0, at) + pick(noise) + text.slice(at + (rnd() < 0.5 ? 1 : 0))
    }
    const fast = parseYamlSubset(text)
    if (fast === undefined) continue
    answered++
    let full: unknown
    try {
      full = parse(text)
    } catch (e) {
      t.fail(`yaml rejects what the fast reader accepted: ${JSON.stringify(text)} (${String(e)})`)
      continue
    }
    compared++
    if (JSON.stringify(fast) !== JSON.stringify(full)) t.same(fast, full, JSON.stringify(text))
  }
  t.ok(answered > 1000, `the fast reader answered ${answered} of 3000`)
  t.equal(compared, answered)
})
