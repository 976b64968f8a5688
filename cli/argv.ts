/**
 * @module
 * The small command-line parser: flags declared as data, parsed into values
 * and positionals. Unknown flags and missing values are usage errors that
 * name the valid flags, so a typo never turns into a silent default.
 */
import type { FlagSpec } from "./flag-spec.ts"
import { globalFlags } from "./global-flags.ts"
import { suggest } from "./suggest.ts"

export type { FlagSpec } from "./flag-spec.ts"

/** A field-level failure, as in core's `FieldError`. */
export interface UsageField {
  readonly path: string
  readonly message: string
}

/**
 * A mistake on the command line. Shaped like core's problems (`code`,
 * `detail`, `errors`, `status`, `title`) so one renderer prints both, and
 * free of `effect` so help and usage errors stay fast.
 */
export class UsageError extends Error {
  readonly code: "validation.failed" | "args.invalid"
  readonly detail: string
  readonly errors: ReadonlyArray<UsageField> | undefined
  constructor(detail: string, options: { code?: "validation.failed" | "args.invalid"; errors?: ReadonlyArray<UsageField> } = {}) {
    super(detail)
    this.code = options.code ?? "validation.failed"
    this.detail = detail
    this.errors = options.errors
  }
  get status(): number {
    return this.code === "args.invalid" ? 422 : 400
  }
  get title(): string {
    return this.code === "args.invalid" ? "Invalid arguments" : "Validation failed"
  }
}

export type FlagValue = string | boolean | ReadonlyArray<string>

export interface ParsedArgs {
  readonly flags: Readonly<Record<string, FlagValue>>
  readonly positionals: ReadonlyArray<string>
}

/** `--a, --b`: the flags a user may type here, for error messages. */
export function listFlags(specs: ReadonlyArray<FlagSpec>): string {
  return specs.filter((s) => !s.hidden).map((s) => `--${s.name}`).join(", ")
}

/** The error for a flag nobody declared, with the nearest spellings. */
export function unknownFlag(flag: string, specs: ReadonlyArray<FlagSpec>, where: string): UsageError {
  const valid = specs.filter((s) => !s.hidden)
  const globals = globalFlags.filter((g) => g.name !== "version")
  const near = suggest(flag.replace(/^-+/, ""), [...valid, ...globals].map((s) => s.name))
  const hint = near.length > 0 ? ` (did you mean ${near.map((n) => `--${n}`).join(", ")}?)` : ""
  const list = valid.length > 0 ? `valid flags: ${listFlags(valid)}` : "it takes no flags of its own"
  return new UsageError(`unknown flag ${flag} for ${where}${hint}; ${list}; global flags: ${listFlags(globals)}`, {
    errors: [{ path: flag, message: "unknown flag" }]
  })
}

/**
 * Parses tokens against `specs`. `--flag=value` and `--flag value` both
 * work; `--` ends flag parsing. Values are never echoed in errors: they may
 * be secrets.
 */
export function parseArgs(tokens: ReadonlyArray<string>, specs: ReadonlyArray<FlagSpec>, where: string): ParsedArgs {
  const flags: Record<string, FlagValue> = {}
  const positionals: Array<string> = []
  const byName = new Map(specs.map((s) => [s.name, s]))
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]))
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === "--") {
      positionals.push(...tokens.slice(i + 1))
      break
    }
    if (!token.startsWith("-") || token === "-") {
      positionals.push(token)
      continue
    }
    const eq = token.indexOf("=")
    const head = eq >= 0 ? token.slice(0, eq) : token
    const spec = head.startsWith("--") ? byName.get(head.slice(2)) : byShort.get(head.slice(1))
    if (spec === undefined) throw unknownFlag(head, specs, where)
    if (spec.kind === "boolean") {
      if (eq >= 0) throw new UsageError(`flag --${spec.name} takes no value`, { errors: [{ path: head, message: "takes no value" }] })
      flags[spec.name] = true
      continue
    }
    let value: string
    if (eq >= 0) value = token.slice(eq + 1)
    else if (i + 1 < tokens.length) value = tokens[++i]
    else throw missingValue(spec.name)
    if (spec.kind === "list") flags[spec.name] = [...((flags[spec.name] as ReadonlyArray<string> | undefined) ?? []), value]
    else if (spec.name in flags) throw repeated(spec.name)
    else flags[spec.name] = value
  }
  return { flags, positionals }
}

/** A flag given without its value. */
export function missingValue(name: string): UsageError {
  return new UsageError(`flag --${name} needs a value`, { errors: [{ path: `--${name}`, message: "needs a value" }] })
}

/** A single-valued flag given twice. */
export function repeated(name: string): UsageError {
  return new UsageError(`flag --${name} is given more than once`, {
    errors: [{ path: `--${name}`, message: "given more than once" }]
  })
}

/** Reads a flag that takes one value. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.flags[name]
  return typeof v === "string" ? v : undefined
}

/** Rejects positionals beyond `max`, without echoing them (they may be secrets). */
export function expectPositionals(parsed: ParsedArgs, max: number, where: string): ReadonlyArray<string> {
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals.length - max
    throw new UsageError(`${where} takes ${max === 0 ? "no" : `at most ${max}`} argument${max === 1 ? "" : "s"}; got ${extra} more`, {
      errors: [{ path: `argv[${max}]`, message: "unexpected argument" }]
    })
  }
  return parsed.positionals
}
