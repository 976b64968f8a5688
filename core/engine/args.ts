/**
 * @module
 * Compiles an argspec (DESIGN §4) into a `Schema` that validates a request's
 * arguments, applies defaults and rejects unknown names, plus the JSON Schema
 * served to clients. Compiling is cached per spec object because the planner
 * compiles on every plan. `checkArgSpec` validates an argspec itself, so a
 * bad spec is reported once at discovery instead of on every plan. What
 * leaves the engine of an argspec or of resolved values is made in
 * `public-view.ts`.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ArgObject, type ArgDef, type ArgSpec, type ArgType } from "../domain/argspec.ts"
import { ValidationError } from "../domain/errors.ts"
import type { FieldError } from "../domain/errors.ts"

/**
 * An argspec compiled for validation.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompiledArgs {
  /** The whole argument object: defaults applied, unknown names rejected. */
  readonly schema: Schema.Schema<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>>>
  /** JSON Schema (2020-12) of the argument object, as served to clients. */
  readonly jsonSchema: Readonly<Record<string, unknown>>
  /** Names of the `format: secret` arguments. */
  readonly secretNames: ReadonlyArray<string>
  /** Validates a request's arguments; fails with `args.invalid`, one error per failing field. */
  readonly decode: (input: unknown) => Effect.Effect<Record<string, unknown>, ValidationError>
}

const typeMessages: Record<ArgType, string> = {
  string: "must be a string",
  integer: "must be an integer",
  number: "must be a number",
  boolean: "must be true or false",
  array: "must be an array",
  object: "must be an object"
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Plain twin of the type schemas below, for checking defaults without building schemas. */
function typeProblem(type: ArgType, items: ArgType | undefined, v: unknown): string | undefined {
  switch (type) {
    case "string": return typeof v === "string" ? undefined : typeMessages.string
    case "integer": return Number.isSafeInteger(v) ? undefined : typeMessages.integer
    case "number": return typeof v === "number" && Number.isFinite(v) ? undefined : typeMessages.number
    case "boolean": return typeof v === "boolean" ? undefined : typeMessages.boolean
    case "object": return isObject(v) ? undefined : typeMessages.object
    case "array": {
      if (!Array.isArray(v)) return typeMessages.array
      for (let i = 0; i < v.length; i++) {
        const p = typeProblem(items ?? "string", undefined, v[i])
        if (p) return `element at index ${i} ${p}`
      }
      return undefined
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b))
}

/** Checks the constraints of `def` on a value already known to have the right type. */
function constraintProblem(def: ArgDef, re: RegExp | undefined, v: unknown): string | undefined {
  if (def.enum && !def.enum.some((e) => sameValue(e, v))) {
    return `must be one of ${def.enum.map((e) => JSON.stringify(e)).join(", ")}`
  }
  if (typeof v === "number") {
    if (def.minimum !== undefined && v < def.minimum) return `must be at least ${def.minimum}`
    if (def.maximum !== undefined && v > def.maximum) return `must be at most ${def.maximum}`
  }
  if (typeof v === "string") {
    // JSON Schema counts characters (code points), not UTF-16 units.
    const length = def.minLength !== undefined || def.maxLength !== undefined ? [...v].length : 0
    if (def.minLength !== undefined && length < def.minLength) return `must be at least ${def.minLength} characters long`
    if (def.maxLength !== undefined && length > def.maxLength) return `must be at most ${def.maxLength} characters long`
    if (re && !re.test(v)) return `must match the pattern ${def.pattern}`
  }
  if (Array.isArray(v)) {
    if (def.minItems !== undefined && v.length < def.minItems) return `must have at least ${def.minItems} items`
    if (def.maxItems !== undefined && v.length > def.maxItems) return `must have at most ${def.maxItems} items`
  }
  if (def.format === "path" || def.format === "file" || def.format === "directory") {
    // A NUL byte would truncate the path in every system call that sees it.
    const values = Array.isArray(v) ? v : [v]
    if (values.some((s) => typeof s === "string" && s.includes("\0"))) return "must not contain NUL bytes"
  }
  return undefined
}

function typeSchema(type: ArgType, items: ArgType | undefined): Schema.Schema<any> {
  const message = () => typeMessages[type]
  switch (type) {
    case "string": return Schema.String.annotations({ message })
    case "boolean": return Schema.Boolean.annotations({ message })
    case "integer":
      return Schema.Number.annotations({ message }).pipe(Schema.filter((n) => Number.isSafeInteger(n), { message }))
    case "number":
      return Schema.Number.annotations({ message }).pipe(Schema.filter((n) => Number.isFinite(n), { message }))
    // Kept as it came, own `__proto__` keys included (see ArgObject).
    case "object": return ArgObject
    case "array": return Schema.Array(typeSchema(items ?? "string", undefined)).annotations({ message })
  }
}

function fieldSchema(def: ArgDef): Schema.Schema<any> {
  let re: RegExp | undefined
  try {
    re = def.pattern === undefined ? undefined : new RegExp(def.pattern)
  } catch {
    // Discovery reports bad patterns; a spec from elsewhere must still not throw here.
    re = /(?!)/
  }
  const schema = typeSchema(def.type, def.items_type).pipe(Schema.filter((v) => constraintProblem(def, re, v) ?? true))
  return def.description === undefined ? schema : schema.annotations({ description: def.description })
}

function issueMessage(error: ParseResult.ParseError): string {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (!issue) return "is invalid"
  const index = issue.path.find((p) => typeof p === "number")
  return index === undefined ? issue.message : `element at index ${String(index)} ${issue.message}`
}

function fieldJsonSchema(def: ArgDef): Record<string, unknown> {
  const secret = def.format === "secret"
  const out: Record<string, unknown> = { type: def.type }
  if (def.description !== undefined) out.description = def.description
  // A secret's default is never shown, not even masked: a JSON Schema
  // `default` is a value clients fill in and send back. `x-has-default`
  // says there is one (see public-view.ts).
  if (def.default !== undefined) {
    if (secret) out["x-has-default"] = true
    else out.default = def.default
  }
  if (def.type === "array") {
    const items: Record<string, unknown> = { type: def.items_type ?? "string" }
    if (def.format && !secret) items.format = def.format
    out.items = items
  } else if (def.format) out.format = def.format
  if (secret) out.writeOnly = true
  for (const k of ["enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems"] as const) {
    if (def[k] !== undefined) out[k] = def[k]
  }
  return out
}

const cache = new WeakMap<ArgSpec, CompiledArgs>()

/**
 * Compiles an argspec; the result is cached per spec object.
 *
 * @example
 * const args = compileArgSpec({ args: [{ name: "n", type: "integer", maximum: 10 }] })
 * Effect.runSync(args.decode({ n: 3 })) // { n: 3 }
 *
 * @since 0.1.0
 * @category constructors
 */
export function compileArgSpec(spec: ArgSpec): CompiledArgs {
  const hit = cache.get(spec)
  if (hit) return hit
  const defs = spec.args
  const fields = defs.map((def) => {
    const schema = fieldSchema(def)
    return { def, schema, decode: Schema.decodeUnknownEither(schema, { errors: "first" }) }
  })
  const byName = new Map(fields.map((f) => [f.def.name, f]))
  const properties = Object.fromEntries(defs.map((def) => [def.name, fieldJsonSchema(def)]))
  const required = defs.filter((def) => def.required && def.default === undefined).map((def) => def.name)
  let struct: CompiledArgs["schema"] | undefined
  const compiled: CompiledArgs = {
    // Built on first use: decode validates field by field to report one error per field.
    get schema() {
      struct ??= Schema.Struct(Object.fromEntries(fields.map(({ def, schema }) => [
        def.name,
        def.default !== undefined
          ? Schema.optionalWith(schema, { default: () => structuredClone(def.default) })
          : def.required ? schema : Schema.optional(schema)
      ]))).annotations({ parseOptions: { onExcessProperty: "error" } }) as unknown as CompiledArgs["schema"]
      return struct
    },
    jsonSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties,
      required,
      additionalProperties: false
    },
    secretNames: defs.filter((d) => d.format === "secret").map((d) => d.name),
    decode: (input) => {
      const errors: Array<FieldError> = []
      // Entries, made an object by fromEntries: own keys only, whatever the names.
      const out: Array<[string, unknown]> = []
      if (input !== undefined && input !== null && !isObject(input)) {
        errors.push({ path: "args", message: "must be an object" })
      }
      const given = isObject(input) ? input : {}
      for (const key of Object.keys(given)) {
        if (!byName.has(key)) errors.push({ path: `args.${key}`, message: "is not an argument of this job" })
      }
      for (const { def, decode } of fields) {
        // JSON null means "not given", so clients can clear a value and get the default.
        const value = Object.hasOwn(given, def.name) ? given[def.name] : undefined
        if (value === undefined || value === null) {
          if (def.default !== undefined) out.push([def.name, structuredClone(def.default)])
          else if (def.required) errors.push({ path: `args.${def.name}`, message: "is required" })
          continue
        }
        const result = decode(value)
        if (Either.isRight(result)) out.push([def.name, result.right])
        else errors.push({ path: `args.${def.name}`, message: issueMessage(result.left) })
      }
      if (errors.length === 0) return Effect.succeed(Object.fromEntries(out))
      return Effect.fail(new ValidationError({
        code: "args.invalid",
        detail: errors.map((e) => `${e.path} ${e.message}`).join("; "),
        errors
      }))
    }
  }
  cache.set(spec, compiled)
  return compiled
}

const appliesTo: Partial<Record<keyof ArgDef, ReadonlyArray<ArgType>>> = {
  minimum: ["integer", "number"],
  maximum: ["integer", "number"],
  minLength: ["string"],
  maxLength: ["string"],
  pattern: ["string"],
  minItems: ["array"],
  maxItems: ["array"],
  items_type: ["array"]
}
const constrained = Object.entries(appliesTo) as Array<[keyof ArgDef, ReadonlyArray<ArgType>]>

/**
 * Problems of an argspec itself (a default of the wrong type, `items_type`
 * without `array`, two args bound to one variable …), with field paths such
 * as `argspec.args[2].default`. `at` renames the path of an arg (legacy forms).
 *
 * @since 0.1.0
 * @category constructors
 */
export function checkArgSpec(spec: ArgSpec, at: (index: number) => string = (i) => `argspec.args[${i}]`): Array<FieldError> {
  const errors: Array<FieldError> = []
  const variables = new Map<string, number>()
  spec.args.forEach((def, i) => {
    const add = (field: string, message: string) => errors.push({ path: `${at(i)}.${field}`, message })
    // Arg names become ARG_<NAME>; two names that map to one variable would shadow each other.
    if (def.name === "__proto__") add("name", "is reserved")
    const variable = `ARG_${def.name.toUpperCase().replaceAll("-", "_")}`
    const other = variables.get(variable)
    if (other !== undefined) add("name", `binds to ${variable} like ${at(other)}`)
    else variables.set(variable, i)
    for (const [key, types] of constrained) {
      if (def[key] !== undefined && !types.includes(def.type)) add(key, `applies only to type ${types.join(" or ")}`)
    }
    if (def.minimum !== undefined && def.maximum !== undefined && def.minimum > def.maximum) add("minimum", "must not exceed maximum")
    if (def.minLength !== undefined && def.maxLength !== undefined && def.minLength > def.maxLength) add("minLength", "must not exceed maxLength")
    if (def.minItems !== undefined && def.maxItems !== undefined && def.minItems > def.maxItems) add("minItems", "must not exceed maxItems")
    const stringy = def.type === "string" || (def.type === "array" && (def.items_type ?? "string") === "string")
    if (def.format === "secret" && def.type !== "string") add("format", "secret applies only to type string")
    else if (def.format && !stringy) add("format", `${def.format} applies only to strings or arrays of strings`)
    let re: RegExp | undefined
    if (def.pattern !== undefined) {
      try {
        re = new RegExp(def.pattern)
      } catch {
        add("pattern", "is not a valid regular expression")
      }
    }
    if (def.enum) {
      if (def.enum.length === 0) add("enum", "must list at least one value")
      def.enum.forEach((e, j) => {
        const p = typeProblem(def.type, def.items_type, e)
        if (p) add(`enum[${j}]`, p)
      })
    }
    if (def.default !== undefined) {
      const p = typeProblem(def.type, def.items_type, def.default) ?? constraintProblem(def, re, def.default)
      if (p) add("default", p)
    }
  })
  return errors
}
