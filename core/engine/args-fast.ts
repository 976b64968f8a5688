/**
 * @module
 * A plain-code acceptor for argument objects that are already valid, so a
 * plan skips the Schema in the common case: with a thousand jobs' specs in
 * use, Schema decoding of a valid 10-argument object costs ~9× the plain
 * check (`npm run bench -- parse`, docs/benchmarks.md "Parsing"). It only
 * ever accepts: anything unusual returns undefined, and the Schema (args-field.ts) decodes and
 * words the errors. Where it answers, it answers exactly as the Schema
 * would, key order included; test/core/engine/args-fast.test.ts checks both
 * on a generated corpus.
 */
import type { ArgDef, ArgType } from "../domain/argspec.ts"

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

function typeOk(type: ArgType, items: ArgType | undefined, v: unknown): boolean {
  switch (type) {
    case "string":
      return typeof v === "string"
    case "integer":
      return Number.isSafeInteger(v)
    case "number":
      return typeof v === "number" && Number.isFinite(v)
    case "boolean":
      return typeof v === "boolean"
    case "object":
      return isObject(v)
    case "array":
      return Array.isArray(v) && v.every((x) => typeOk(items ?? "string", undefined, x))
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b))
}

/** The same checks as `fieldSchema`, in plain code; false sends the value to the Schema. */
function acceptor(def: ArgDef): (v: unknown) => boolean {
  let re: RegExp | undefined
  try {
    re = def.pattern === undefined ? undefined : new RegExp(def.pattern)
  } catch {
    return () => false
  }
  const paths = def.format === "path" || def.format === "file" || def.format === "directory"
  return (v) => {
    if (!typeOk(def.type, def.items_type, v)) return false
    if (def.enum && !def.enum.some((e) => sameValue(e, v))) return false
    if (typeof v === "number" && ((def.minimum !== undefined && v < def.minimum) || (def.maximum !== undefined && v > def.maximum))) return false
    if (typeof v === "string") {
      if (def.minLength !== undefined || def.maxLength !== undefined) {
        const length = [...v].length
        if ((def.minLength !== undefined && length < def.minLength) || (def.maxLength !== undefined && length > def.maxLength)) return false
      }
      if (re && !re.test(v)) return false
    }
    if (Array.isArray(v) && ((def.minItems !== undefined && v.length < def.minItems) || (def.maxItems !== undefined && v.length > def.maxItems))) return false
    if (paths && (Array.isArray(v) ? v : [v]).some((x) => typeof x === "string" && x.includes("\0"))) return false
    return true
  }
}

/**
 * Compiles the fast acceptor of an argspec: the decoded arguments (given
 * ones in declaration order, then defaults), or undefined when the Schema
 * must decide. `input` has had its `null` values removed already.
 */
export function fastArgs(defs: ReadonlyArray<ArgDef>): (input: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined {
  const fields = defs.map((def) => ({ def, accepts: acceptor(def) }))
  const names = new Set(defs.map((d) => d.name))
  return (input) => {
    for (const key of Object.keys(input)) if (!names.has(key)) return undefined
    const given: Array<[string, unknown]> = []
    const defaults: Array<[string, unknown]> = []
    for (const { def, accepts } of fields) {
      const value = Object.hasOwn(input, def.name) ? input[def.name] : undefined
      if (value === undefined) {
        // A copy only of an object: a plan's values must not share one with the spec.
        if (def.default !== undefined) defaults.push([def.name, typeof def.default === "object" ? structuredClone(def.default) : def.default])
        else if (def.required) return undefined
      } else if (accepts(value)) given.push([def.name, value])
      else return undefined
    }
    return Object.fromEntries([...given, ...defaults])
  }
}
