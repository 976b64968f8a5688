/**
 * @module
 * A job's argspec as command-line flags: `--name Alice`, `--name=Alice`,
 * `--loud` / `--no-loud`, repeated `--tags a --tags b` for arrays, numbers
 * parsed, objects as JSON. The CLI converts shapes only; the engine's
 * compiled argspec validates, so a non-number reaches it and comes back as
 * `args.invalid` with the field's path, like any other invalid value.
 */
import type { ArgDef, ArgSpec, ArgType, Job } from "../core/mod.ts"
import { type FlagSpec, missingValue, repeated, unknownFlag, UsageError } from "./argv.ts"
import { printGlobalFlags } from "./help.ts"
import type { Output } from "./output.ts"

/** The flags a job accepts, for errors, help and completion. */
export function jobFlagSpecs(argspec: ArgSpec): ReadonlyArray<FlagSpec> {
  return argspec.args.flatMap((arg): ReadonlyArray<FlagSpec> => {
    const description = arg.description ?? ""
    if (arg.type === "boolean") {
      return [
        { name: arg.name, kind: "boolean", description },
        { name: `no-${arg.name}`, kind: "boolean", description: `set --${arg.name} to false` }
      ]
    }
    return [{ name: arg.name, kind: arg.type === "array" ? "list" : "value", valueName: arg.type, description }]
  })
}

const truthy = new Set(["true", "1", "yes", "on"])
const falsy = new Set(["false", "0", "no", "off"])

/** Converts one typed-in value; anything unconvertible is passed on for the engine to reject. */
function convert(raw: string, type: ArgType, name: string): unknown {
  switch (type) {
    case "integer":
    case "number": {
      const n = Number(raw)
      return raw.trim() !== "" && Number.isFinite(n) ? n : raw
    }
    case "boolean":
      return truthy.has(raw.toLowerCase()) ? true : falsy.has(raw.toLowerCase()) ? false : raw
    case "object":
    case "array":
      try {
        return JSON.parse(raw)
      } catch {
        // The value is not echoed: it may be a secret.
        throw new UsageError(`--${name} takes a JSON ${type}`, {
          code: "args.invalid",
          errors: [{ path: `args.${name}`, message: `must be a JSON ${type}` }]
        })
      }
    default:
      return raw
  }
}

/**
 * Parses the tokens after a job id into its arguments. Flags follow the
 * argspec's names exactly; `--` is allowed and changes nothing here (main
 * has already stopped looking for global flags after it).
 */
export function parseJobFlags(tokens: ReadonlyArray<string>, job: Pick<Job, "id" | "argspec">): Record<string, unknown> {
  const byName = new Map<string, ArgDef>(job.argspec.args.map((a) => [a.name, a]))
  // No prototype: an argument may be named `constructor` (or, from a remote
  // argspec, anything at all) and must stay an own key of this object.
  const args: Record<string, unknown> = Object.create(null)
  const specs = jobFlagSpecs(job.argspec)
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === "--") continue
    if (token.startsWith("-") && !token.startsWith("--") && token !== "-") {
      throw unknownFlag(token.split("=")[0], specs, `job ${job.id}`)
    }
    if (!token.startsWith("--")) {
      // Not echoed: a stray word may be a secret that lost its flag.
      throw new UsageError(`job ${job.id} takes only flags; unexpected argument #${i + 1}`, {
        errors: [{ path: `argv[${i}]`, message: "unexpected argument; job arguments are given as --name value" }]
      })
    }
    const eq = token.indexOf("=")
    const name = token.slice(2, eq >= 0 ? eq : undefined)
    const inline = eq >= 0 ? token.slice(eq + 1) : undefined
    let def = byName.get(name)
    let negated = false
    if (def === undefined && name.startsWith("no-")) {
      const positive = byName.get(name.slice(3))
      if (positive?.type === "boolean") {
        def = positive
        negated = true
      }
    }
    if (def === undefined) throw unknownFlag(`--${name}`, specs, `job ${job.id}`)
    if (def.type === "boolean") {
      if (negated && inline !== undefined) throw new UsageError(`flag --${name} takes no value`)
      if (Object.hasOwn(args, def.name)) throw repeated(def.name)
      args[def.name] = negated ? false : inline === undefined ? true : convert(inline, "boolean", def.name)
      continue
    }
    let raw: string
    if (inline !== undefined) raw = inline
    else if (i + 1 < tokens.length) raw = tokens[++i]
    else throw missingValue(def.name)
    if (def.type === "array") {
      const items = (Object.hasOwn(args, def.name) ? args[def.name] as Array<unknown> : undefined) ?? []
      items.push(convert(raw, def.items_type ?? "string", def.name))
      args[def.name] = items
    } else {
      if (Object.hasOwn(args, def.name)) throw repeated(def.name)
      args[def.name] = convert(raw, def.type, def.name)
    }
  }
  return args
}

/** `string`, `array of integer`, … as help shows it. */
function typeLabel(arg: ArgDef): string {
  return arg.type === "array" ? `array of ${arg.items_type ?? "string"}` : arg.type
}

/** The notes after an argument's description: required, default, constraints. */
function argNotes(arg: ArgDef): ReadonlyArray<string> {
  const notes: Array<string> = [typeLabel(arg)]
  if (arg.format !== undefined) notes.push(arg.format === "secret" ? "secret: never shown" : `format ${arg.format}`)
  if (arg.required === true) notes.push("required")
  // A secret's default is as secret as its value: the engine hands out `***`,
  // and help says only that there is one, whatever it was given.
  if (arg.default !== undefined) notes.push(arg.format === "secret" ? "default ***" : `default ${JSON.stringify(arg.default)}`)
  if (arg.enum !== undefined) notes.push(`one of ${arg.enum.map((v) => JSON.stringify(v)).join(", ")}`)
  if (arg.minimum !== undefined) notes.push(`min ${arg.minimum}`)
  if (arg.maximum !== undefined) notes.push(`max ${arg.maximum}`)
  if (arg.minLength !== undefined) notes.push(`min length ${arg.minLength}`)
  if (arg.maxLength !== undefined) notes.push(`max length ${arg.maxLength}`)
  if (arg.pattern !== undefined) notes.push(`pattern ${arg.pattern}`)
  if (arg.minItems !== undefined) notes.push(`min items ${arg.minItems}`)
  if (arg.maxItems !== undefined) notes.push(`max items ${arg.maxItems}`)
  if (arg.type === "array") notes.push("repeat the flag per item")
  if (arg.type === "object" || arg.items_type === "object") notes.push("JSON")
  return notes
}

/** `flwd <job> --help`: the job's arguments from its argspec. */
export function printJobHelp(out: Output, job: Job, command = ""): void {
  out.line(`flwd ${command}${job.id} — ${job.summary ?? job.name}`)
  if (job.description !== undefined && job.description.trim() !== "") {
    out.line()
    out.line(job.description.trimEnd())
  }
  out.line()
  out.line(out.style.bold("Usage:"))
  const required = job.argspec.args.filter((a) => a.required === true).map((a) => ` --${a.name} <${a.type}>`).join("")
  out.line(`  flwd ${command}${job.id}${required}${job.argspec.args.some((a) => a.required !== true) ? " [flags]" : ""}`)
  out.line()
  out.line(out.style.bold("Arguments:"))
  if (job.argspec.args.length === 0) out.line("  (none)")
  out.fields(
    job.argspec.args.map((arg) => {
      const flag = arg.type === "boolean" ? `--[no-]${arg.name}` : `--${arg.name} <${arg.items_type ?? arg.type}>`
      const description = arg.description !== undefined ? `${arg.description} ` : ""
      return [flag, `${description}(${argNotes(arg).join("; ")})`] as const
    }),
    "  "
  )
  out.line()
  out.line(`Source: ${job.source}`)
  printGlobalFlags(out)
}
