/**
 * @module
 * A job's arguments as an HTML form sees them. `argFields` reads the
 * argument JSON Schema the API serves (`args_schema`) into one field per
 * argument; `prefillValues` and `formValues` give each field its raw form
 * strings (from `arg.<name>` query parameters, the defaults, or a posted
 * form); `formArgs` turns posted strings into the schema's types, so the
 * form works with JavaScript off. Conversion stays lenient: a value that
 * does not convert is passed on as typed, and the engine's validation
 * names the field with the same message the API gives. Secret values are
 * read from a post and never kept among the values a page renders back.
 */
import type { ArgType, FieldError } from "../../core/mod.ts"

/**
 * One argument of the form.
 *
 * @since 0.1.0
 * @category models
 */
export interface ArgField {
  readonly name: string
  readonly type: ArgType
  /** The element type of an array. */
  readonly items: ArgType
  readonly format: string | undefined
  /** `format: secret` (served as `writeOnly`): a password input, never rendered back. */
  readonly secret: boolean
  /** In the schema's `required` list: no default, must be given. */
  readonly required: boolean
  readonly description: string | undefined
  readonly default: unknown
  /** A secret with a default the schema does not show (`x-has-default`). */
  readonly hiddenDefault: boolean
  readonly enum: ReadonlyArray<unknown> | undefined
  readonly minimum: number | undefined
  readonly maximum: number | undefined
  readonly minLength: number | undefined
  readonly maxLength: number | undefined
  readonly pattern: string | undefined
  readonly minItems: number | undefined
  readonly maxItems: number | undefined
}

/**
 * Raw form strings per argument name (one per line of an array).
 *
 * @since 0.1.0
 * @category models
 */
export type FormValues = ReadonlyMap<string, ReadonlyArray<string>>

const argTypes: ReadonlyArray<ArgType> = ["string", "integer", "number", "boolean", "array", "object"]
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const num = (u: unknown): number | undefined => (typeof u === "number" ? u : undefined)
const str = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)
const argType = (u: unknown): ArgType => (argTypes.includes(u as ArgType) ? (u as ArgType) : "string")

/**
 * The fields of an argument JSON Schema, in the argspec's order.
 *
 * @since 0.1.0
 * @category constructors
 */
export function argFields(schema: Readonly<Record<string, unknown>>): Array<ArgField> {
  const properties = isRecord(schema.properties) ? schema.properties : {}
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === "string") : [])
  return Object.entries(properties).flatMap(([name, p]) => {
    if (!isRecord(p)) return []
    const items = isRecord(p.items) ? p.items : {}
    return [{
      name,
      type: argType(p.type),
      items: argType(items.type),
      format: str(p.format) ?? str(items.format),
      secret: p.writeOnly === true || p.format === "secret",
      required: required.has(name),
      description: str(p.description),
      default: p.default,
      hiddenDefault: p["x-has-default"] === true,
      enum: Array.isArray(p.enum) ? p.enum : undefined,
      minimum: num(p.minimum),
      maximum: num(p.maximum),
      minLength: num(p.minLength),
      maxLength: num(p.maxLength),
      pattern: str(p.pattern),
      minItems: num(p.minItems),
      maxItems: num(p.maxItems)
    }]
  })
}

/** A scalar as a form string: JSON for anything a text box cannot hold as is. */
function scalarText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v)
}

/**
 * A value as the field's raw strings: an array one item per line, an
 * object as indented JSON, `true`/`false` for a checkbox.
 *
 * @since 0.1.0
 * @category constructors
 */
export function toFormStrings(field: ArgField, value: unknown): Array<string> {
  if (value === undefined || value === null) return []
  if (field.type === "array") return Array.isArray(value) ? value.map(scalarText) : [scalarText(value)]
  if (field.type === "object") return [JSON.stringify(value, null, 2)]
  return [scalarText(value)]
}

/**
 * The values a job page starts with: `arg.<name>` query parameters
 * (repeatable for arrays; "Run again" links carry a run's non-secret
 * arguments this way), else the defaults. Secrets start empty, whatever
 * the query says.
 *
 * @since 0.1.0
 * @category constructors
 */
export function prefillValues(fields: ReadonlyArray<ArgField>, query: URLSearchParams): FormValues {
  const values = new Map<string, ReadonlyArray<string>>()
  for (const f of fields) {
    if (f.secret) continue
    const given = query.getAll(`arg.${f.name}`)
    values.set(f.name, given.length > 0 ? given : toFormStrings(f, f.default))
  }
  return values
}

/** A posted form as Hono's `parseBody({ all: true })` gives it. */
export type PostedForm = Readonly<Record<string, string | File | ReadonlyArray<string | File>>>

function posted(form: PostedForm, name: string): Array<string> {
  const v = form[`arg.${name}`]
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v]
  return all.filter((x): x is string => typeof x === "string")
}

/** The lines of a textarea (or of repeated fields), without the empty ones a trailing newline leaves. */
function lines(raw: ReadonlyArray<string>): Array<string> {
  return raw.flatMap((r) => r.split(/\r?\n/)).filter((l) => l.trim() !== "")
}

/**
 * What a posted form held for each non-secret field, to render the form
 * again after a preview or a refused submit. A field the post did not
 * carry at all (a client other than the page) was not given, so it shows
 * its default, as the engine applies it; an unchecked box is never sent
 * and stays unchecked. Secrets are left out.
 *
 * @since 0.1.0
 * @category constructors
 */
export function formValues(fields: ReadonlyArray<ArgField>, form: PostedForm): FormValues {
  return new Map(fields.filter((f) => !f.secret).map((f) => [
    f.name,
    form[`arg.${f.name}`] === undefined && f.type !== "boolean" ? toFormStrings(f, f.default) : posted(form, f.name)
  ]))
}

const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** One string as `type`; a string that does not convert is returned as it is, for the engine to name. */
function convert(type: ArgType, text: string, name: string, errors: Array<FieldError>): unknown {
  const s = type === "string" ? text : text.trim()
  switch (type) {
    case "string": return s
    case "integer":
    case "number": return numeric.test(s) ? Number(s) : s
    case "boolean": return s === "true" || s === "on" || s === "1" ? true : s === "false" || s === "0" ? false : s
    case "array": return s
    case "object":
      try {
        return JSON.parse(s)
      } catch (e) {
        // The engine would only say "must be an object": say why it is not.
        errors.push({ path: `args.${name}`, message: `is not valid JSON (${e instanceof Error ? e.message : String(e)})` })
        return s
      }
  }
}

/**
 * The arguments of a posted form, in the schema's types: numbers from
 * number inputs, a boolean from the checkbox's presence, arrays from lines
 * (or repeated fields), objects from JSON. An empty input is "not given",
 * so the default applies. `errors` lists what the engine cannot explain
 * (JSON that does not parse).
 *
 * @since 0.1.0
 * @category constructors
 */
export function formArgs(fields: ReadonlyArray<ArgField>, form: PostedForm): { args: Record<string, unknown>; errors: Array<FieldError> } {
  const errors: Array<FieldError> = []
  const args: Array<[string, unknown]> = []
  for (const f of fields) {
    const raw = posted(form, f.name)
    if (f.type === "boolean") {
      // An unchecked box is not sent at all: absence is false.
      args.push([f.name, raw.length === 0 ? false : convert("boolean", raw[raw.length - 1], f.name, errors)])
      continue
    }
    if (f.type === "array") {
      const items = lines(raw)
      if (items.length > 0) args.push([f.name, items.map((l) => convert(f.items, l, f.name, errors))])
      continue
    }
    const text = raw.find((r) => r.trim() !== "")
    if (text !== undefined) args.push([f.name, convert(f.type, text, f.name, errors)])
  }
  return { args: Object.fromEntries(args), errors }
}
