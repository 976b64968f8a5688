/**
 * @module
 * `flwd :sources`: add (or replace), list, show, refresh and remove job
 * sources. `add` builds the source spec from flags; the source plugin's own
 * schema validates it, so each plugin's fields are checked in one place.
 * `add` and `refresh` show pull progress (OCI add-ons): per-layer bytes and
 * rate on a terminal, NDJSON `source.pulled` events under `--json`, then
 * the source as the last line.
 */
import type { AnySourcePlugin, SourceRecord, SourceSpec } from "../../core/mod.ts"
import { expectPositionals, parseArgs, type ParsedArgs, stringFlag, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { type Output, printWarnings } from "../output.ts"
import { checkSubcommand, findCommand } from "../registry.ts"
import { describeDecision } from "../render-events.ts"
import { call } from "./_engine.ts"
import { withPullProgress } from "./_pull-progress.ts"
import { showValue } from "./plan.ts"
import { addFlagFields, addFlagSpecs, builtinSources, setFields } from "../source-add-flags.ts"

const spec = findCommand(":sources")!

function sourceName(parsed: ParsedArgs, where: string): string {
  const [name] = expectPositionals(parsed, 1, where)
  if (name === undefined) {
    throw new UsageError(`${where} needs a source name (see \`flwd :sources\`)`, { errors: [{ path: "name", message: "missing source name" }] })
  }
  return name
}

function addSpec(parsed: ParsedArgs, sources: ReadonlyArray<AnySourcePlugin>): SourceSpec {
  expectPositionals(parsed, 0, ":sources add")
  const type = stringFlag(parsed, "type")
  const name = stringFlag(parsed, "name")
  const missing = [type === undefined ? "--type" : undefined, name === undefined ? "--name" : undefined].filter((m) => m !== undefined)
  if (missing.length > 0) {
    throw new UsageError(`:sources add needs ${missing.join(" and ")}`, {
      errors: missing.map((m) => ({ path: m, message: "is required" }))
    })
  }
  const optional = addFlagFields(parsed, sources, type!)
  return { ...setFields((parsed.flags.set as ReadonlyArray<string> | undefined) ?? []), ...optional, type: type!, name: name! }
}

/** `pull_policy` → `Pull policy`, to sit among the fixed labels. */
function label(field: string): string {
  const words = field.replace(/[_-]+/g, " ")
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function printSource(out: Output, s: SourceRecord): void {
  out.fields([
    ["Name", s.name],
    ["Type", s.type],
    ["Status", s.status],
    ["Jobs", String(s.job_count)],
    ...Object.entries(s.spec).filter(([k]) => k !== "type" && k !== "name").map(([k, v]) => [label(k), showValue(v)] as [string, string]),
    ...(s.error !== null ? [["Error", `${s.error.code}: ${s.error.detail}`] as [string, string]] : []),
    ["Updated", s.updated_at]
  ])
  const provenance = Object.entries(s.provenance)
  if (provenance.length > 0) {
    out.line("Provenance")
    out.fields(provenance.map(([k, v]) => [k, showValue(v)] as const), "  ")
  }
  printDiagnostics(out, s)
}

function printDiagnostics(out: Output, s: SourceRecord): void {
  for (const d of s.diagnostics) {
    const label = d.level === "error" ? out.style.red("error") : out.style.yellow("warning")
    out.note(`${label}: ${s.name}: ${d.path}: ${d.code}: ${d.message}`)
  }
}

/**
 * Runs an add or refresh of source `name`, then prints on stderr the warn
 * decisions it journaled (an image admitted unverified, say): a change
 * that succeeds with a warning must say so, also when the output is piped.
 * A remote engine has no journal page to read; the server logs them.
 */
async function withWarnings<A>(ctx: CommandContext, name: string, op: () => Promise<A>): Promise<A> {
  const before = await call(ctx, (e) => e.latestEventId).catch(() => null)
  try {
    return await op()
  } finally {
    const events = before === null ? [] : await call(ctx, (e) => e.journal({ after: before })).catch(() => [])
    for (const { type, data } of events) {
      if (type === "policy.decision" && data.decision === "warn" && data.source === name) {
        printWarnings(ctx.out, name, [describeDecision(data)])
      }
    }
  }
}

/** The source plugins whose flags `:sources add` takes. */
async function sourcePlugins(ctx: CommandContext): Promise<ReadonlyArray<AnySourcePlugin>> {
  if (ctx.globals.remote === undefined) return (await ctx.engine()).plugins.sources
  return builtinSources()
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const [first, ...rest] = ctx.args
  checkSubcommand(spec, first)
  const sub = spec.subcommands!.find((s) => s.name === first) ?? spec.subcommands!.find((s) => s.name === "list")!
  const where = `:sources ${sub.name}`
  // The kinds' own flags come from their plugins: this engine's, or the built-in set for a remote one.
  const sources = sub.name === "add" ? await sourcePlugins(ctx) : []
  // Each kind's flags after --type and --name, before the catch-all --set.
  const flags = [...sub.flags.filter((f) => f.name !== "set"), ...addFlagSpecs(sources), ...sub.flags.filter((f) => f.name === "set")]
  const parsed = parseArgs(sub.name === first ? rest : ctx.args, flags, where)
  const { out } = ctx
  switch (sub.name) {
    case "add": {
      const spec = addSpec(parsed, sources)
      const change = await withWarnings(ctx, spec.name, () => withPullProgress(ctx, spec.name, (e) => e.addSource(spec)))
      const s = change.source
      // A compact last line: with progress events before it, stdout stays NDJSON.
      if (out.json) out.record(s)
      else {
        out.line(`${change.created ? "added" : "replaced"} source ${s.name} (${s.type}): ${s.status}, ${s.job_count} job${s.job_count === 1 ? "" : "s"}`)
        printDiagnostics(out, s)
      }
      return 0
    }
    case "show": {
      const name = sourceName(parsed, where)
      const s = await call(ctx, (e) => e.source(name))
      if (out.json) out.document(s)
      else printSource(out, s)
      return 0
    }
    case "refresh": {
      const name = sourceName(parsed, where)
      const s = await withWarnings(ctx, name, () => withPullProgress(ctx, name, (e) => e.refreshSource(name)))
      if (out.json) out.record(s)
      else printSource(out, s)
      return 0
    }
    case "remove": {
      const name = sourceName(parsed, where)
      await call(ctx, (e) => e.removeSource(name))
      if (out.json) out.document({ name, removed: true })
      else out.line(`removed source ${name}`)
      return 0
    }
    default: {
      expectPositionals(parsed, 0, ":sources")
      const all = await call(ctx, (e) => e.sources())
      if (out.json) out.document({ items: all })
      else if (all.length === 0) out.info("no sources")
      else out.table(["NAME", "TYPE", "STATUS", "JOBS"], all.map((s) => [s.name, s.type, s.status, String(s.job_count)]))
      return 0
    }
  }
}
