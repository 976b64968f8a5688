/**
 * @module
 * The Schema of a tree-v1 `config.yaml` (DESIGN §4) and the list of keys it
 * knows. Unknown keys are not a decode error: they are reported as warnings,
 * so a config written for a newer flwd still loads.
 */
import * as Schema from "effect/Schema"
import { ArgDef, ArgSpec } from "../../core/mod.ts"

/** A message that replaces those of a union's members. */
const says = (message: string) => ({ message: () => ({ message, override: true }) })

const Words = Schema.Union(Schema.String, Schema.Array(Schema.String)).annotations(says("must be a string or a list of strings"))

/** Step ids name log lines and `needs:` references. */
const StepId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, {
  message: () => "must be 1-64 letters, digits, '_', '.' or '-', not starting with '.' or '-'"
}))

/** One entry of a `steps:` DAG. */
export const StepConfig = Schema.Struct({
  id: StepId,
  script: Schema.optional(Schema.String),
  command: Schema.optional(Words),
  needs: Schema.optional(Schema.Union(StepId, Schema.Array(StepId)).annotations(says("must be a step id or a list of step ids")))
})

const { name: _name, ...legacyArgFields } = ArgDef.fields

/** One entry of the legacy `arguments:` map: an ArgDef keyed by its name. */
export const LegacyArgDef = Schema.Struct(legacyArgFields)

/**
 * A `config.yaml` as written.
 *
 * @since 0.1.0
 * @category models
 */
export const TreeConfig = Schema.Struct({
  name: Schema.optional(Schema.NonEmptyTrimmedString),
  summary: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  interpreter: Schema.optional(Words),
  command: Schema.optional(Words),
  steps: Schema.optional(Schema.Array(StepConfig)),
  argspec: Schema.optional(ArgSpec),
  arguments: Schema.optional(Schema.Record({ key: Schema.String, value: LegacyArgDef })),
  env: Schema.optional(Schema.Record({
    key: Schema.String,
    value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean).annotations(says("must be a string, a number or a boolean"))
  })),
  timeout: Schema.optional(
    Schema.Union(Schema.String, Schema.Number).annotations(
      says("must be a duration such as 30s, 10m, 1h, 500ms, or a number of seconds")
    )
  ),
  security_profile: Schema.optional(Schema.String),
  executor: Schema.optional(Schema.String),
  concurrency: Schema.optional(
    Schema.Number.pipe(
      Schema.filter((n) => Number.isSafeInteger(n) && n > 0, { message: () => "must be a positive integer" })
    ).annotations({ message: () => "must be a positive integer" })
  )
})
/** @since 0.1.0 @category models */
export type TreeConfig = typeof TreeConfig.Type

const topKeys = new Set(Object.keys(TreeConfig.fields))
const argKeys = new Set(Object.keys(ArgDef.fields))
const legacyArgKeys = new Set(Object.keys(legacyArgFields))
const stepKeys = new Set(Object.keys(StepConfig.fields))

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

function extra(value: unknown, known: ReadonlySet<string>, at: string, out: Array<string>) {
  if (!isObject(value)) return
  for (const key of Object.keys(value)) if (!known.has(key)) out.push(at === "" ? key : `${at}.${key}`)
}

/**
 * The paths of keys a config sets that tree-v1 does not know
 * (`colour`, `argspec.args[0].descripton`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function unknownConfigKeys(config: Record<string, unknown>): Array<string> {
  const out: Array<string> = []
  extra(config, topKeys, "", out)
  if (isObject(config.argspec)) {
    extra(config.argspec, new Set(["args"]), "argspec", out)
    const args = config.argspec.args
    if (Array.isArray(args)) args.forEach((a, i) => extra(a, argKeys, `argspec.args[${i}]`, out))
  }
  if (isObject(config.arguments)) {
    for (const [name, a] of Object.entries(config.arguments)) extra(a, legacyArgKeys, `arguments.${name}`, out)
  }
  if (Array.isArray(config.steps)) config.steps.forEach((s, i) => extra(s, stepKeys, `steps[${i}]`, out))
  return out
}
