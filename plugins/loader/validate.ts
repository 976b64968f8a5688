/**
 * @module
 * Telling plugin definitions apart and checking them before the engine
 * uses them. A module's default export is one definition or an array of
 * them; each kind is recognised by its shape (the interfaces of
 * `core/plugin.ts`, contract v2), no tag needed:
 *
 * - source: `{ type, spec, make }`
 * - profile: `{ name, strictness, runtime }`
 * - executor: `{ kind, make }`
 *
 * A module written for the first contract (a source's `load`, an
 * executor's `execute`, a profile's `admitRegistry`, a `lazy` import) is
 * refused with a message saying what replaced each part.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { ExecutorPlugin, FieldError, ProfilePlugin, SourcePlugin } from "../../core/mod.ts"

/**
 * A definition found in a module, with what it is.
 *
 * @since 0.1.0
 * @category models
 */
export type Definition =
  | { readonly kind: "source"; readonly plugin: SourcePlugin<any, any> }
  | { readonly kind: "profile"; readonly plugin: ProfilePlugin }
  | { readonly kind: "executor"; readonly plugin: ExecutorPlugin }

const kindName = /^[a-z][a-z0-9-]{0,62}$/

type Fields = Record<string, unknown>

function check(errors: Array<FieldError>, at: string, ok: boolean, message: string): void {
  if (!ok) errors.push({ path: at, message })
}

const isFn = (v: unknown) => typeof v === "function"
const isRecord = (v: unknown): v is Fields => typeof v === "object" && v !== null && !Array.isArray(v)

function optionalFns(errors: Array<FieldError>, at: string, d: Fields, names: ReadonlyArray<string>): void {
  for (const n of names) check(errors, `${at}.${n}`, d[n] === undefined || isFn(d[n]), "must be a function when given")
}

function name(errors: Array<FieldError>, at: string, value: unknown): void {
  check(errors, at, typeof value === "string" && kindName.test(value), "must be a name of a-z, 0-9 and '-', starting with a letter")
}

// What contract v2 replaced, by member of a v1 definition: said once per member found.
const replaced: Readonly<Record<string, string>> = {
  lazy: "is gone in plugin contract v2: export the definition itself and import() heavy modules inside make",
  load: "moved in plugin contract v2: make (an Effect) builds { load(spec, pin, ctx), resolve?, release?, redact? }",
  restore: "is gone in plugin contract v2: core restores sources from their stored pins",
  beforeUse: "is gone in plugin contract v2: give resolve(spec, ctx) and core applies the pull policy",
  remove: "is renamed in plugin contract v2: release(spec, loaded), in what make builds",
  preview: "moved in plugin contract v2: make (an Effect) builds { preview, execute }",
  execute: "moved in plugin contract v2: make (an Effect) builds { preview, execute }",
  admitSource: 'is replaced in plugin contract v2 by admit(request, policy), answering { kind: "source.add", spec }',
  admitRegistry: 'is replaced in plugin contract v2 by admit(request, policy), answering { kind: "oci.registry", registry, allowed }',
  signatureMode: 'is replaced in plugin contract v2 by admit(request, policy), answering { kind: "oci.signature", image, configured }'
}

function obsolete(errors: Array<FieldError>, at: string, d: Fields, names: ReadonlyArray<string>): void {
  for (const n of names) if (n in d) errors.push({ path: `${at}.${n}`, message: replaced[n] })
}

// A plugin's contributions (all optional), whatever its kind.
function contributions(d: Fields, at: string, errors: Array<FieldError>): void {
  if (d.policy !== undefined) {
    check(errors, `${at}.policy`, isRecord(d.policy), "must be an object of Schema fields (the plugin's policy keys)")
    if (isRecord(d.policy)) {
      for (const [key, field] of Object.entries(d.policy)) {
        check(errors, `${at}.policy.${key}`, Schema.isSchema(field) || Schema.isPropertySignature(field), "must be a Schema or Schema.optional(…)")
      }
    }
  }
  if (d.problems !== undefined) {
    check(errors, `${at}.problems`, isRecord(d.problems), "must be an object of problem codes")
    if (isRecord(d.problems)) {
      for (const [code, entry] of Object.entries(d.problems)) {
        const ok = isRecord(entry) && typeof entry.status === "number" && Number.isInteger(entry.status) && entry.status >= 400 &&
          entry.status <= 599 && typeof entry.title === "string" && (entry.fix === undefined || typeof entry.fix === "string")
        check(errors, `${at}.problems.${code}`, ok, "must be { status (400-599), title, fix? }")
      }
    }
  }
  optionalFns(errors, at, d, ["check", "gc", "sweep"])
}

const makeMessage = (what: string) => `must be an Effect that builds the ${what} (plugin contract v2)`

function source(d: Fields, at: string, errors: Array<FieldError>): void {
  name(errors, `${at}.type`, d.type)
  if (d.aliases !== undefined) {
    check(errors, `${at}.aliases`, Array.isArray(d.aliases), "must be an array of names")
    if (Array.isArray(d.aliases)) d.aliases.forEach((a, i) => name(errors, `${at}.aliases[${i}]`, a))
  }
  check(errors, `${at}.spec`, Schema.isSchema(d.spec), "must be an Effect Schema of the spec (Schema.Struct({ type, name, … }) or sourceSpec(type, fields))")
  check(errors, `${at}.pin`, d.pin === undefined || Schema.isSchema(d.pin), "must be an Effect Schema of the pin when given")
  if (d.addFlags !== undefined) {
    check(errors, `${at}.addFlags`, Array.isArray(d.addFlags), "must be an array of { flag, help }")
    if (Array.isArray(d.addFlags)) {
      d.addFlags.forEach((f: unknown, i) =>
        check(
          errors,
          `${at}.addFlags[${i}]`,
          isRecord(f) && typeof f.flag === "string" && kindName.test(f.flag) && typeof f.help === "string",
          "must be { flag, help } with a flag name of a-z, 0-9 and '-'"
        )
      )
    }
  }
  obsolete(errors, at, d, ["lazy", "load", "restore", "beforeUse", "remove"])
  if (!("load" in d) && !("lazy" in d)) {
    check(errors, `${at}.make`, Effect.isEffect(d.make), makeMessage("implementation { load, resolve?, release?, redact? }"))
  }
  contributions(d, at, errors)
}

function profile(d: Fields, at: string, errors: Array<FieldError>): void {
  name(errors, `${at}.name`, d.name)
  check(errors, `${at}.strictness`, typeof d.strictness === "number" && Number.isFinite(d.strictness), "must be a number (higher is stricter)")
  check(errors, `${at}.runtime`, isFn(d.runtime), "must be a function (policy) => RuntimeSettings")
  check(errors, `${at}.summary`, d.summary === undefined || typeof d.summary === "string", "must be a string when given")
  optionalFns(errors, at, d, ["admit"])
  obsolete(errors, at, d, ["admitSource", "admitRegistry", "signatureMode"])
  contributions(d, at, errors)
}

function executor(d: Fields, at: string, errors: Array<FieldError>): void {
  name(errors, `${at}.kind`, d.kind)
  obsolete(errors, at, d, ["lazy", "preview", "execute"])
  if (!("execute" in d) && !("preview" in d) && !("lazy" in d)) {
    check(errors, `${at}.make`, Effect.isEffect(d.make), makeMessage("executor { preview, execute }"))
  }
  contributions(d, at, errors)
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
    if ("kind" in f || "execute" in f || "preview" in f) {
      executor(f, at, errors)
      if (errors.length === before) definitions.push({ kind: "executor", plugin: f as unknown as ExecutorPlugin })
    } else if ("runtime" in f || "strictness" in f) {
      profile(f, at, errors)
      if (errors.length === before) definitions.push({ kind: "profile", plugin: f as unknown as ProfilePlugin })
    } else if ("load" in f || "spec" in f || "type" in f || "make" in f) {
      source(f, at, errors)
      if (errors.length === before) definitions.push({ kind: "source", plugin: f as unknown as SourcePlugin<any, any> })
    } else {
      errors.push({
        path: at,
        message: "is not a plugin definition: expected a source { type, spec, make }, a profile { name, strictness, runtime } or an executor { kind, make }"
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
