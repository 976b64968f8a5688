/**
 * The fast acceptor of arguments (core/engine/args-fast.ts) against the
 * Schema it stands in for, on generated argspecs and generated inputs:
 * wherever one accepts, the other accepts with the same value and key
 * order; wherever the Schema refuses, the fast path does not answer.
 */
import t from "tap"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { ArgDef, ArgSpec, ArgType } from "../../../core/domain/argspec.ts"
import { checkArgSpec, compileArgSpec } from "../../../core/engine/args.ts"
import { fastArgs } from "../../../core/engine/args-fast.ts"

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

const rnd = random(20261203)
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]
const maybe = (p = 0.3) => rnd() < p

const types: ReadonlyArray<ArgType> = ["string", "integer", "number", "boolean", "array", "object"]
const strings = ["", "a", "ab", "abc", "ABC", "low", "high", "😀😀", "a\0b", "x y", "/tmp/f", "-1"]
const numbers = [0, 1, -1, 2, 3, 1.5, 10, 100, -0, 2 ** 53, 1e308, Number.NaN, Number.POSITIVE_INFINITY]
const scalars: ReadonlyArray<unknown> = [...strings, ...numbers, true, false]
const patterns = ["^[a-z]+$", "b", "^$", "\\d", "("]

function value(depth = 0): unknown {
  const r = rnd()
  if (depth < 2 && r < 0.15) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1))
  if (depth < 2 && r < 0.22) return maybe() ? JSON.parse('{"__proto__": 1}') : { k: value(depth + 1) }
  if (r < 0.25) return null
  return pick(scalars)
}

function argDef(i: number): ArgDef {
  const type = pick(types)
  const def: { -readonly [K in keyof ArgDef]: ArgDef[K] } = { name: pick(["a", "b", "toString", "constructor", "c_d", "e-f"]) + i, type }
  if (type === "array") {
    if (maybe(0.6)) def.items_type = pick(types)
    if (maybe()) def.minItems = Math.floor(rnd() * 3)
    if (maybe()) def.maxItems = 1 + Math.floor(rnd() * 3)
  }
  if (type === "string") {
    if (maybe()) def.minLength = Math.floor(rnd() * 3)
    if (maybe()) def.maxLength = 1 + Math.floor(rnd() * 3)
    if (maybe(0.2)) def.pattern = pick(patterns)
  }
  if (type === "integer" || type === "number") {
    if (maybe()) def.minimum = pick([-1, 0, 1, 1.5])
    if (maybe()) def.maximum = pick([2, 3, 10, 100])
  }
  if ((type === "string" || type === "array") && maybe()) def.format = type === "string" && maybe(0.5) ? "secret" : pick(["path", "file", "directory"] as const)
  if (maybe(0.2)) def.enum = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => type === "array" ? [pick(strings)] : pick(scalars))
  if (maybe()) def.required = true
  if (maybe()) def.default = type === "array" ? [pick(strings)] : type === "object" ? { k: 1 } : pick(scalars)
  return def
}

/** An input as `decode` hands it on: `null` and `undefined` values removed. */
function input(spec: ArgSpec): Record<string, unknown> {
  const out: Array<[string, unknown]> = []
  for (const def of spec.args) if (maybe(0.7)) out.push([def.name, maybe(0.2) ? pick(def.enum ?? scalars) : value()])
  if (maybe(0.05)) out.push([pick(["unknown", "__proto__"]), 1])
  return Object.fromEntries(out.filter(([, v]) => v !== null && v !== undefined))
}

t.test("fastArgs() agrees with the argspec's Schema on a generated corpus", async (t) => {
  let specs = 0
  let accepted = 0
  let refused = 0
  while (specs < 400) {
    const spec: ArgSpec = { args: Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, i) => argDef(i)) }
    if (checkArgSpec(spec).length > 0) continue
    specs++
    const fast = fastArgs(spec.args)
    const slow = Schema.decodeUnknownEither(compileArgSpec(spec).schema, { errors: "all", onExcessProperty: "error" })
    for (let n = 0; n < 40; n++) {
      const given = input(spec)
      const a = fast(given)
      const b = slow(given)
      const label = `${JSON.stringify(spec)} ${JSON.stringify(given)}`
      if (Either.isLeft(b)) {
        refused++
        if (a !== undefined) t.fail(`the fast path accepts what the Schema refuses: ${label}`)
        continue
      }
      accepted++
      if (a === undefined) t.fail(`the fast path refuses what the Schema accepts: ${label}`)
      else if (JSON.stringify(a) !== JSON.stringify(b.right) || !Object.is(Object.getPrototypeOf(a), Object.getPrototypeOf(b.right))) {
        t.same(a, b.right, label)
      }
    }
  }
  // The corpus must exercise both sides, or the comparison proves nothing.
  t.ok(accepted > 2000, `${accepted} inputs accepted by both`)
  t.ok(refused > 2000, `${refused} inputs refused by both`)
})

t.test("compileArgSpec().decode() answers the same with and without the fast path", async (t) => {
  const spec: ArgSpec = { args: [{ name: "n", type: "integer", minimum: 1, default: 2 }, { name: "s", type: "string", required: true }] }
  const slow = Schema.decodeUnknownSync(compileArgSpec(spec).schema)
  t.same(fastArgs(spec.args)({ s: "x" }), slow({ s: "x" }))
  t.equal(fastArgs(spec.args)({ s: "x", n: 0 }), undefined, "a value the Schema refuses goes to the Schema")
})

t.test("fastArgs() gives each decode its own copy of an array or object default", async (t) => {
  const spec: ArgSpec = {
    args: [{ name: "tags", type: "array", default: ["a"] }, { name: "env", type: "object", default: { k: "v" } }, { name: "n", type: "integer", default: 3 }]
  }
  const decode = fastArgs(spec.args)
  const first = decode({}) as { tags: Array<string>; env: Record<string, string>; n: number }
  first.tags.push("changed")
  first.env.k = "changed"
  t.same(decode({}), { tags: ["a"], env: { k: "v" }, n: 3 }, "a later decode sees the defaults as declared")
  t.same(spec.args[0].default, ["a"], "the argspec's default is untouched")
})
