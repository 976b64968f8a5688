/**
 * @module
 * Telling plugin definitions apart and checking them before the engine
 * uses them. A module's default export is one definition or an array of
 * them; each kind is recognised by its shape (the interfaces of
 * `core/plugin.ts`), no tag needed:
 *
 * - source: `{ type, spec, load }`
 * - profile: `{ name, strictness, runtime }`
 * - executor: `{ kind, preview, execute }`
 */
import * as Schema from "effect/Schema"
import type { ExecutorPlugin, FieldError, ProfilePlugin, SourcePlugin } from "../../core/mod.ts"

/**
 * A definition found in a module, with what it is.
 *
 * @since 0.1.0
 * @category models
 */
export type Definition =
  | { readonly kind: "source"; readonly plugin: SourcePlugin<any> }
  | { readonly kind: "profile"; readonly plugin: ProfilePlugin }
  | { readonly kind: "executor"; readonly plugin: ExecutorPlugin }

const kindName = /^[a-z][a-z0-9-]{0,62}$/

type Fields = Record<string, unknown>

function check(errors: Array<FieldError>, at: string, ok: boolean, message: string): void {
  if (!ok) errors.push({ path: at, message })
}

const isFn = (v: unknown) => typeof v === "function"

function optionalFns(errors: Array<FieldError>, at: string, d: Fields, names: ReadonlyArray<string>): void {
  for (const n of names) check(errors, `${at}.${n}`, d[n] === undefined || isFn(d[n]), "must be a function when given")
}

function name(errors: Array<FieldError>, at: string, value: unknown): void {
  check(errors, at, typeof value === "string" && kindName.test(value), "must be a name of a-z, 0-9 and '-', starting with a letter")
}

function source(d: Fields, at: string, errors: Array<FieldError>): void {
  name(errors, `${at}.type`, d.type)
  if (d.aliases !== undefined) {
    check(errors, `${at}.aliases`, Array.isArray(d.aliases), "must be an array of names")
    if (Array.isArray(d.aliases)) d.aliases.forEach((a, i) => name(errors, `${at}.aliases[${i}]`, a))
  }
  check(errors, `${at}.spec`, Schema.isSchema(d.spec), "must be an Effect Schema of the spec (Schema.Struct({ type, name, … }) or sourceSpec(type, fields))")
  check(errors, `${at}.load`, isFn(d.load), "must be a function (spec, ctx) => Effect<LoadedSource, SourceError>")
  optionalFns(errors, at, d, ["beforeUse", "restore", "remove", "redact"])
}

function profile(d: Fields, at: string, errors: Array<FieldError>): void {
  name(errors, `${at}.name`, d.name)
  check(errors, `${at}.strictness`, typeof d.strictness === "number" && Number.isFinite(d.strictness), "must be a number (higher is stricter)")
  check(errors, `${at}.runtime`, isFn(d.runtime), "must be a function (policy) => RuntimeSettings")
  check(errors, `${at}.summary`, d.summary === undefined || typeof d.summary === "string", "must be a string when given")
  optionalFns(errors, at, d, ["admitSource", "admitRegistry", "signatureMode"])
}

function executor(d: Fields, at: string, errors: Array<FieldError>): void {
  name(errors, `${at}.kind`, d.kind)
  check(errors, `${at}.preview`, isFn(d.preview), "must be a function (job, settings) => Effect<ExecutorPreview>")
  check(errors, `${at}.execute`, isFn(d.execute), "must be a function (request) => Effect<ExecResult, ExecutorError>")
}

/**
 * Checks a module's default export; resolves to its definitions, or to
 * field errors (paths start at `default`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function validateExport(exported: unknown): { readonly definitions: ReadonlyArray<Definition> } | { readonly errors: ReadonlyArray<FieldError> } {
  const list = Array.isArray(exported) ? exported : [exported]
  const errors: Array<FieldError> = []
  const definitions: Array<Definition> = []
  if (list.length === 0) return { errors: [{ path: "default", message: "is an empty array; export at least one plugin definition" }] }
  list.forEach((d, i) => {
    const at = Array.isArray(exported) ? `default[${i}]` : "default"
    if (typeof d !== "object" || d === null) {
      errors.push({ path: at, message: `must be a plugin definition object, not ${d === null ? "null" : typeof d}` })
      return
    }
    const f = d as Fields
    const before = errors.length
    if ("execute" in f || "preview" in f) {
      executor(f, at, errors)
      if (errors.length === before) definitions.push({ kind: "executor", plugin: f as unknown as ExecutorPlugin })
    } else if ("runtime" in f || "strictness" in f) {
      profile(f, at, errors)
      if (errors.length === before) definitions.push({ kind: "profile", plugin: f as unknown as ProfilePlugin })
    } else if ("load" in f || "spec" in f || "type" in f) {
      source(f, at, errors)
      if (errors.length === before) definitions.push({ kind: "source", plugin: f as unknown as SourcePlugin<any> })
    } else {
      errors.push({
        path: at,
        message: "is not a plugin definition: expected a source { type, spec, load }, a profile { name, strictness, runtime } or an executor { kind, preview, execute }"
      })
    }
  })
  return errors.length > 0 ? { errors } : { definitions }
}

/**
 * The names a definition claims, for collision checks.
 *
 * @since 0.1.0
 * @category constructors
 */
export function claims(d: Definition): ReadonlyArray<string> {
  switch (d.kind) {
    case "source":
      return [d.plugin.type, ...(d.plugin.aliases ?? [])].map((n) => `source type "${n}"`)
    case "profile":
      return [`profile "${d.plugin.name}"`]
    case "executor":
      return [`executor "${d.plugin.kind}"`]
  }
}
