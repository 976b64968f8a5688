/**
 * @module
 * Compiles an argspec (DESIGN §4) into one `Schema` of the argument object
 * (see args-field.ts): it decodes a request's arguments, applying defaults
 * and rejecting unknown names, and `JSONSchema.make` turns it into the JSON
 * Schema served to clients, so the two cannot disagree. Valid arguments
 * take a plain-code acceptor proven to agree with the Schema (args-fast.ts);
 * the Schema decodes everything else and words the errors. Compiling is
 * cached per spec object because the planner compiles on every plan. `checkArgSpec`
 * validates an argspec itself, so a bad spec is reported once at discovery
 * instead of on every plan. What leaves the engine of an argspec or of
 * resolved values is made in `public-view.ts`.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type ArgDef, ArgObject, type ArgSpec, type ArgType } from "../domain/argspec.ts"
import { ValidationError } from "../domain/errors.ts"
import type { FieldError } from "../domain/errors.ts"
import { fastArgs } from "./args-fast.ts"
import { fieldSchema, typeSchema } from "./args-field.ts"

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

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The message of one issue as users read it: Schema's own words for a
 * missing or unknown name are replaced, and an element names its index.
 */
function issueMessage(issue: ParseResult.ArrayFormatterIssue, from: number): string {
  if (issue._tag === "Missing") return "is required"
  if (issue._tag === "Unexpected") return "is not an argument of this job"
  const index = issue.path.slice(from).find((p) => typeof p === "number")
  return index === undefined ? issue.message : `element at index ${String(index)} ${issue.message}`
}

/** The first issue of each top-level name, in the order Schema reports them. */
function fieldErrors(error: ParseResult.ParseError): Array<FieldError> {
  const seen = new Set<PropertyKey>()
  const out: Array<FieldError> = []
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const key = issue.path[0]
    if (key === undefined || seen.has(key)) continue
    seen.add(key)
    out.push({ path: `args.${String(key)}`, message: issueMessage(issue, 1) })
  }
  return out
}

/** The first problem of a value under `schema`, worded as users read it. */
function problemOf(schema: Schema.Schema<any>, value: unknown): string | undefined {
  const result = Schema.decodeUnknownEither(schema)(value)
  if (Either.isRight(result)) return undefined
  const issue = ParseResult.ArrayFormatter.formatErrorSync(result.left)[0]
  return issue === undefined ? "is invalid" : issueMessage(issue, 0)
}

/**
 * The argument object's Schema. Defaults are applied by a transformation
 * rather than `optionalWith({ default })`, whose duplicate-key check reads
 * a plain object and so refuses args named like `Object.prototype` members
 * (`toString`, `constructor`).
 */
function argumentsSchema(defs: ReadonlyArray<ArgDef>): CompiledArgs["schema"] {
  const given = Schema.Struct(Object.fromEntries(defs.map((def) => {
    const schema = fieldSchema(def)
    return [def.name, def.required && def.default === undefined ? schema : Schema.optional(schema)]
  }))).annotations({ parseOptions: { onExcessProperty: "error" } })
  const defaults = defs.filter((def) => def.default !== undefined)
  return Schema.transform(given, ArgObject, {
    strict: false,
    decode: (value: Readonly<Record<string, unknown>>) => {
      // Entries, made an object by fromEntries: own keys only, whatever the names.
      const out = Object.entries(value).filter(([, v]) => v !== undefined)
      for (const def of defaults) {
        // Each run gets its own copy of a default.
        if (value[def.name] === undefined || !Object.hasOwn(value, def.name)) out.push([def.name, structuredClone(def.default)])
      }
      return Object.fromEntries(out)
    },
    encode: (value) => value
  }) as unknown as CompiledArgs["schema"]
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
  // Valid arguments, the common case, skip the Schema (see args-fast.ts).
  const decodeFast = fastArgs(spec.args)
  // The Schema, its decoder and its JSON Schema are made on first use:
  // building them costs more than a plan, and most specs need one or none.
  let schema: CompiledArgs["schema"] | undefined
  let decodeAll: ((u: unknown) => Either.Either<Readonly<Record<string, unknown>>, ParseResult.ParseError>) | undefined
  let jsonSchema: CompiledArgs["jsonSchema"] | undefined
  const compiled: CompiledArgs = {
    get schema() {
      return schema ??= argumentsSchema(spec.args)
    },
    get jsonSchema() {
      // A copy as a plain record: JsonSchema7Root is a closed union of shapes.
      return jsonSchema ??= { ...JSONSchema.make(compiled.schema, { target: "jsonSchema2020-12" }) }
    },
    secretNames: spec.args.filter((d) => d.format === "secret").map((d) => d.name),
    decode: (input) => {
      const errors: Array<FieldError> = []
      if (input !== undefined && input !== null && !isObject(input)) errors.push({ path: "args", message: "must be an object" })
      // JSON null means "not given", so clients can clear a value and get the default.
      // fromEntries defines own keys, so an own `__proto__` stays a key and is reported.
      const given = isObject(input) ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) : {}
      const fast = errors.length === 0 ? decodeFast(given) : undefined
      if (fast !== undefined) return Effect.succeed(fast)
      decodeAll ??= Schema.decodeUnknownEither(compiled.schema, { errors: "all", onExcessProperty: "error" })
      const result = decodeAll(given)
      if (Either.isLeft(result)) errors.push(...fieldErrors(result.left))
      if (errors.length === 0 && Either.isRight(result)) return Effect.succeed(result.right as Record<string, unknown>)
      return Effect.fail(
        new ValidationError({
          code: "args.invalid",
          detail: errors.map((e) => `${e.path} ${e.message}`).join("; "),
          errors
        })
      )
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
 * Defaults and enum values are checked by the same schemas that decode requests.
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
    let validPattern = true
    if (def.pattern !== undefined) {
      try {
        new RegExp(def.pattern)
      } catch {
        validPattern = false
        add("pattern", "is not a valid regular expression")
      }
    }
    if (def.enum) {
      if (def.enum.length === 0) add("enum", "must list at least one value")
      const type = typeSchema(def.type, def.items_type)
      def.enum.forEach((e, j) => {
        const p = problemOf(type, e)
        if (p) add(`enum[${j}]`, p)
      })
    }
    if (def.default !== undefined) {
      // A bad pattern is reported above; the default is checked against the rest.
      const p = problemOf(fieldSchema(validPattern ? def : { ...def, pattern: undefined }), def.default)
      if (p) add("default", p)
    }
  })
  return errors
}
