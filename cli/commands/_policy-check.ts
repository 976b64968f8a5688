/**
 * @module
 * `flwd :policy check`: what adding a source would decide, without adding
 * it, for any kind whose plugin has an `inspect` hook. The spec is built as
 * `:sources add` builds it (`--type`, the kinds' add flags, `--set`), and
 * the value after `check` is the chosen kind's positional flag (`oci`'s
 * `--ref`), so `flwd :policy check <ref>` checks an image. Without
 * `--type`, the kind is the only one that can be inspected.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type AnySourcePlugin, fieldErrors, type InspectContext, type Inspection, ValidationError } from "../../core/mod.ts"
import { type FlagSpec, parseArgs, type ParsedArgs, stringFlag, UsageError } from "../argv.ts"
import type { Output } from "../output.ts"
import { addFlagFields, addFlagSpecs, pluginOf, setFields } from "../source-add-flags.ts"

const where = ":policy check"

/** The flags of `:policy check`: those `:sources add` takes to build a spec. */
function checkFlags(sources: ReadonlyArray<AnySourcePlugin>): ReadonlyArray<FlagSpec> {
  return [
    { name: "type", kind: "value", valueName: "type", description: "kind of source to check (default: the only kind that can be checked)" },
    { name: "name", kind: "value", valueName: "name", description: "source name the spec would have (default: check)" },
    ...addFlagSpecs(sources),
    { name: "set", kind: "list", valueName: "field=value", description: "any other spec field (repeatable)" }
  ]
}

/** The kind to check: `--type`, else the only kind with `inspect`. */
function chosenKind(parsed: ParsedArgs, sources: ReadonlyArray<AnySourcePlugin>): AnySourcePlugin {
  const inspectable = sources.filter((p) => p.inspect !== undefined)
  const names = inspectable.map((p) => p.type).join(", ") || "none"
  const type = stringFlag(parsed, "type")
  if (type === undefined) {
    if (inspectable.length === 1) return inspectable[0]
    throw new UsageError(`${where} needs --type (kinds that can be checked: ${names})`, { errors: [{ path: "--type", message: `must be one of ${names}` }] })
  }
  const plugin = pluginOf(sources, type)
  if (plugin?.inspect === undefined) {
    throw new UsageError(`${where} cannot check a source of type ${type} (kinds that can be checked: ${names})`, {
      errors: [{ path: "--type", message: `must be one of ${names}` }]
    })
  }
  return plugin
}

/**
 * Parses `:policy check` arguments (after `check`) into the chosen kind's
 * decoded spec. Bad fields are `validation.failed` naming each field.
 *
 * @since 0.2.0
 * @category constructors
 */
export function checkSpec(args: ReadonlyArray<string>, sources: ReadonlyArray<AnySourcePlugin>): { readonly plugin: AnySourcePlugin; readonly spec: unknown } {
  const parsed = parseArgs(args, checkFlags(sources), where)
  const plugin = chosenKind(parsed, sources)
  const fields = { ...setFields((parsed.flags.set as ReadonlyArray<string> | undefined) ?? []), ...addFlagFields(parsed, sources, plugin.type) }
  const positional = (plugin.addFlags ?? []).find((f) => f.positional === true)
  if (parsed.positionals.length > (positional === undefined ? 0 : 1)) {
    throw new UsageError(
      `${where} takes at most ${positional === undefined ? "no value" : `one ${positional.placeholder ?? positional.flag}`} for ${plugin.type}`,
      {
        errors: [{ path: "arguments", message: "too many" }]
      }
    )
  }
  const [value] = parsed.positionals
  if (positional !== undefined && value !== undefined) fields[positional.field ?? positional.flag] = value
  if (positional !== undefined && (fields[positional.field ?? positional.flag] === undefined || value === "")) {
    throw new UsageError(`${where} needs ${positional.placeholder === "ref" ? "an image reference" : `a ${positional.placeholder ?? positional.flag}`}`, {
      errors: [{ path: positional.field ?? positional.flag, message: "missing" }]
    })
  }
  const raw = { ...fields, type: plugin.type, name: stringFlag(parsed, "name") ?? "check" }
  const decoded = Schema.decodeUnknownEither(plugin.spec, { onExcessProperty: "error", errors: "all" })(raw)
  if (decoded._tag === "Left") {
    throw new ValidationError({ code: "validation.failed", detail: `Invalid ${plugin.type} source spec`, errors: fieldErrors(decoded.left) })
  }
  return { plugin, spec: decoded.right }
}

/**
 * Runs the kind's `inspect` hook; fails with its error when it cannot answer.
 *
 * @since 0.2.0
 * @category constructors
 */
export async function inspect(plugin: AnySourcePlugin, spec: unknown, ctx: InspectContext): Promise<Inspection> {
  const inspected = await Effect.runPromise(Effect.either(plugin.inspect!(spec, ctx)))
  if (inspected._tag === "Left") throw inspected.left
  return inspected.right
}

/**
 * Prints an inspection: the verdict, each decision, then the plugin's report.
 *
 * @since 0.2.0
 * @category constructors
 */
export function printInspection(out: Output, c: Inspection): void {
  const verdict = c.admitted ? out.style.green("admitted") : out.style.red("denied")
  out.line(`${c.subject}: ${verdict} (profile ${c.profile})`)
  for (const d of c.decisions) {
    const mark = d.decision === "deny" ? out.style.red(d.decision) : d.decision === "warn" ? out.style.yellow(d.decision) : d.decision
    out.line(`  ${mark}  ${d.code}  ${d.reason}`)
  }
  for (const l of c.report) out.line(l.detail === true ? out.style.dim(`    ${l.label}  ${l.text}`) : `  ${l.label}  ${l.text}`)
}
