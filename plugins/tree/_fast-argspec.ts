/**
 * @module
 * A plain-code check of an argspec that is already well formed, so the
 * common case skips the `ArgSpec` Schema: decoding it costs ~3 µs per arg,
 * the largest share of discovering a 1,000-job tree. Anything unusual —
 * a wrong type, an unknown key — returns undefined and the Schema decodes
 * it and words the errors. The tests check that both agree.
 */
import { ArgFormat, ArgType } from "../../core/mod.ts"
import type { ArgDef, ArgSpec } from "../../core/mod.ts"

const types: ReadonlySet<unknown> = new Set(ArgType.literals)
const formats: ReadonlySet<unknown> = new Set(ArgFormat.literals)
/** Same as the pattern of `ArgDef.name`. */
const nameRe = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
const count = (u: unknown) => Number.isSafeInteger(u) && (u as number) >= 0

const checks = new Map<string, (u: unknown) => boolean>(Object.entries({
  name: (u) => typeof u === "string" && nameRe.test(u),
  type: (u) => types.has(u),
  required: (u) => typeof u === "boolean",
  default: () => true,
  description: (u) => typeof u === "string",
  items_type: (u) => types.has(u),
  enum: (u) => Array.isArray(u),
  minimum: (u) => typeof u === "number",
  maximum: (u) => typeof u === "number",
  minLength: count,
  maxLength: count,
  pattern: (u) => typeof u === "string",
  minItems: count,
  maxItems: count,
  format: (u: unknown) => formats.has(u)
}))

/** The keys the check knows; the tests compare them with `ArgDef.fields`. */
export const fastArgKeys: ReadonlyArray<string> = [...checks.keys()]

/** The argspec as `ArgSpec` would decode it, or undefined when the Schema must decide. */
export function fastArgSpec(u: unknown): ArgSpec | undefined {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return undefined
  const keys = Object.keys(u)
  const args = (u as { args?: unknown }).args
  if (keys.length !== 1 || !Array.isArray(args)) return undefined
  const out: Array<ArgDef> = []
  for (const a of args) {
    if (typeof a !== "object" || a === null || Array.isArray(a) || !Object.hasOwn(a, "name")) return undefined
    for (const [key, value] of Object.entries(a)) {
      const check = checks.get(key)
      if (check === undefined || value === undefined || !check(value)) return undefined
    }
    const def = a as ArgDef
    out.push(def.type === undefined ? { ...def, type: "string" } : { ...def })
  }
  return { args: out }
}
