/**
 * @module
 * The Schema of one argument (DESIGN §4): its type, then a filter of its
 * constraints. Each constraint carries the message users read when it
 * fails and the JSON Schema keyword it stands for, so decoding, the
 * argspec's own checks and the JSON Schema served to clients all come from
 * it.
 */
import * as Schema from "effect/Schema"
import { type ArgDef, ArgObject, type ArgType } from "../domain/argspec.ts"

const typeMessages: Record<ArgType, string> = {
  string: "must be a string",
  integer: "must be an integer",
  number: "must be a number",
  boolean: "must be true or false",
  array: "must be an array",
  object: "must be an object"
}

/**
 * The schema of a bare type (an array's items are strings unless told).
 * `jsonSchema` adds keywords to the type itself (an array's to its items,
 * where JSON Schema expects `format`), never over a constraint's keyword.
 */
export function typeSchema(type: ArgType, items?: ArgType, jsonSchema?: object): Schema.Schema<any> {
  if (jsonSchema !== undefined && Object.keys(jsonSchema).length > 0) return makeTypeSchema(type, items, jsonSchema)
  // Without keywords a type's schema is the same value for every argument:
  // made once, as building schemas is the costly part of compiling a spec.
  const key = `${type} ${items ?? ""}`
  let schema = plainTypes.get(key)
  if (schema === undefined) plainTypes.set(key, schema = makeTypeSchema(type, items, {}))
  return schema
}

const plainTypes = new Map<string, Schema.Schema<any>>()

function makeTypeSchema(type: ArgType, items: ArgType | undefined, jsonSchema: object): Schema.Schema<any> {
  const message = () => typeMessages[type]
  switch (type) {
    case "string":
      return Schema.String.annotations({ message, jsonSchema })
    case "boolean":
      return Schema.Boolean.annotations({ message, jsonSchema })
    case "integer":
      return Schema.Number.annotations({ message, jsonSchema: { type: "integer", ...jsonSchema } })
        .pipe(Schema.filter((n) => Number.isSafeInteger(n), { message }))
    case "number":
      return Schema.Number.annotations({ message, jsonSchema }).pipe(Schema.filter((n) => Number.isFinite(n), { message, jsonSchema: {} }))
    // Kept as it came, own `__proto__` keys included (see ArgObject).
    case "object":
      return Object.keys(jsonSchema).length === 0 ? ArgObject : ArgObject.annotations({ jsonSchema: { type: "object", ...jsonSchema } })
    case "array":
      return Schema.Array(typeSchema(items ?? "string", undefined, jsonSchema)).annotations({ message })
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b))
}

/** JSON Schema counts characters (code points), not UTF-16 units as `String.length` does. */
const characters = (s: string) => [...s].length

function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern)
  } catch {
    // Discovery reports bad patterns; a spec from elsewhere must still not throw here.
    return /(?!)/
  }
}

/**
 * The schema of one argument's value: its type, then one filter holding its
 * constraints in the order users have always seen them reported (the first
 * failing one wins) and carrying their JSON Schema keywords. One filter, not
 * one per constraint: each Schema made costs ~0.1 ms, and listing a
 * thousand jobs' JSON Schemas builds them all.
 */
export function fieldSchema(def: ArgDef): Schema.Schema<any> {
  const secret = def.format === "secret"
  // A secret's default is never shown, not even masked: a JSON Schema
  // `default` is a value clients fill in and send back. `x-has-default`
  // says there is one (see public-view.ts).
  const typeKeywords = secret
    ? { format: "secret", writeOnly: true, ...(def.default !== undefined ? { "x-has-default": true } : {}) }
    : def.format
    ? { format: def.format }
    : {}
  const checks: Array<readonly [(v: any) => boolean, string]> = []
  const keywords: Record<string, unknown> = {}
  const add = (predicate: (v: any) => boolean, message: string, jsonSchema?: Record<string, unknown>) => {
    checks.push([predicate, message])
    Object.assign(keywords, jsonSchema)
  }
  const { enum: values, minimum, maximum, minLength, maxLength, pattern, minItems, maxItems } = def
  if (values) add((v) => values.some((e) => sameValue(e, v)), `must be one of ${values.map((e) => JSON.stringify(e)).join(", ")}`, { enum: values })
  if (minimum !== undefined) add((v: number) => v >= minimum, `must be at least ${minimum}`, { minimum })
  if (maximum !== undefined) add((v: number) => v <= maximum, `must be at most ${maximum}`, { maximum })
  if (minLength !== undefined) add((v: string) => characters(v) >= minLength, `must be at least ${minLength} characters long`, { minLength })
  if (maxLength !== undefined) add((v: string) => characters(v) <= maxLength, `must be at most ${maxLength} characters long`, { maxLength })
  if (pattern !== undefined) {
    const re = compilePattern(pattern)
    add((v: string) => re.test(v), `must match the pattern ${pattern}`, { pattern })
  }
  if (minItems !== undefined) add((v: ReadonlyArray<unknown>) => v.length >= minItems, `must have at least ${minItems} items`, { minItems })
  if (maxItems !== undefined) add((v: ReadonlyArray<unknown>) => v.length <= maxItems, `must have at most ${maxItems} items`, { maxItems })
  if (def.format === "path" || def.format === "file" || def.format === "directory") {
    // A NUL byte would truncate the path in every system call that sees it.
    add((v) => !(Array.isArray(v) ? v : [v]).some((x) => typeof x === "string" && x.includes("\0")), "must not contain NUL bytes")
  }
  // A refinement's `jsonSchema` keywords are merged over what its base gives, while plain
  // annotations are dropped on a base that has a `jsonSchema` of its own (integer, a finite
  // number): so a default and a description travel as keywords of the last filter.
  const annotations = {
    ...(def.description !== undefined ? { description: def.description } : {}),
    ...(def.default !== undefined && !secret ? { default: def.default } : {})
  }
  const s = typeSchema(def.type, def.items_type, typeKeywords)
  if (checks.length === 0 && Object.keys(annotations).length === 0) return s
  return s.pipe(Schema.filter((v) => {
    for (const [ok, message] of checks) if (!ok(v)) return message
    return true
  }, { jsonSchema: { ...keywords, ...annotations } }))
}
