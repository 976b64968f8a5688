/**
 * @module
 * `flwd :complete -- <word>… <current>`: the hidden helper behind the
 * completion scripts. It reads the words typed after `flwd` (the last one
 * being completed, possibly empty) and prints the candidates starting with
 * it, one per line: commands, subcommands, flags (a job's from its
 * argspec), job ids, run ids, source names and flag values. Completion
 * must never get in the way: any failure prints nothing. Static words
 * (commands, subcommands, flags, fixed values) are answered without
 * loading Effect or the engine; both are imported only when a candidate
 * needs the engine (job ids, runs, sources, a job's own flags).
 */
import { existsSync } from "node:fs"
import process from "node:process"
import type { Effect } from "../../core/mod.ts"
import type { FlagSpec } from "../argv.ts"
import type { CommandContext, Globals } from "../context.ts"
import { cacheScope, readJobIds, writeJobIds } from "../job-id-cache.ts"
import { jobFlagSpecs } from "../job-flags.ts"
import { beforeJobFlags, globalFlags } from "../global-flags.ts"
import { addFlagSpecs, builtinSources, configuredSources } from "../source-add-flags.ts"
import { type CommandSpec, findCommand, visibleCommands } from "../registry.ts"
import type { EngineApi } from "./_engine.ts"

const globalKeys: Readonly<Record<string, keyof Globals>> = { root: "root", "data-dir": "dataDir", profile: "profile", policy: "policy", config: "config" }
const statuses = ["queued", "running", "succeeded", "failed", "canceled"]
const pullPolicies = ["on-add", "on-startup", "on-run", "always"]

interface Scan {
  readonly globals: Partial<Globals>
  readonly command: string | undefined
  readonly operands: ReadonlyArray<string>
  /** The flag whose value is being typed, if any. */
  readonly pending: string | undefined
}

/** Walks the finished words: global flags, the command and its operands. */
function scan(words: ReadonlyArray<string>, takesValue: (command: string | undefined, flag: string) => boolean): Scan {
  const globals: Record<string, string> = {}
  // --plugin is repeatable: the modules whose kinds are completed.
  const plugins: Array<string> = []
  const operands: Array<string> = []
  let command: string | undefined
  let pending: string | undefined
  for (const word of words) {
    if (pending !== undefined) {
      if (pending in globalKeys) globals[globalKeys[pending]] = word
      else if (pending === "plugin") plugins.push(word)
      pending = undefined
    } else if (word.startsWith("--") && word.length > 2) {
      const eq = word.indexOf("=")
      const name = word.slice(2, eq >= 0 ? eq : undefined)
      if (eq >= 0 && name in globalKeys) globals[globalKeys[name]] = word.slice(eq + 1)
      else if (eq >= 0 && name === "plugin") plugins.push(word.slice(eq + 1))
      else if (eq < 0 && takesValue(command, name)) pending = name
    } else if (!word.startsWith("-")) {
      if (command === undefined) command = word
      else operands.push(word)
    }
  }
  return { globals: { ...globals, ...(plugins.length > 0 ? { plugins } : {}) } as Partial<Globals>, command, operands, pending }
}

function valueFlag(flags: ReadonlyArray<FlagSpec>, name: string): boolean {
  return flags.some((f) => f.name === name && f.kind !== "boolean")
}

/**
 * Starts the engine only where flwd is in use (a job tree or a data
 * directory exists), so pressing Tab elsewhere never creates `./.flwd`.
 */
async function startEngine(ctx: CommandContext, globals: Partial<Globals>): Promise<void> {
  const root = globals.root ?? ctx.globals.root ?? "jobs"
  const dataDir = globals.dataDir ?? ctx.globals.dataDir ?? ctx.env.FLWD_DATA_DIR ?? ".flwd"
  if (!existsSync(root) && !existsSync(dataDir)) throw new Error("no job tree or data directory here")
  await ctx.engine(globals)
}

function registryFlags(spec: CommandSpec | undefined, sub: CommandSpec | undefined): ReadonlyArray<FlagSpec> {
  const own = sub === undefined ? spec?.flags ?? [] : sub.name === "list" ? spec?.flags ?? [] : sub.flags
  return [...own, ...globalFlags]
}

async function candidates(ctx: CommandContext, words: ReadonlyArray<string>): Promise<ReadonlyArray<string>> {
  const prev = words.slice(0, -1)
  const current = words[words.length - 1] ?? ""
  // A first pass without the engine tells whether the command is a job.
  let kindFlags = prev.includes(":sources") ? addFlagSpecs(await builtinSources()) : []
  const first = scan(prev, (command, flag) => {
    if (valueFlag(globalFlags, flag) || (command === ":sources" && valueFlag(kindFlags, flag))) return true
    const spec = command === undefined ? undefined : findCommand(command)
    return spec !== undefined && [spec, ...(spec.subcommands ?? [])].some((s) => valueFlag(s.flags, flag))
  })
  // The kinds the completed line's engine would have (--plugin, flwd.yaml's plugins); a module that cannot load completes the built-in kinds.
  const sources = prev.includes(":sources") ? await configuredSources({ ...ctx.globals, ...first.globals }, ctx.env).catch(() => builtinSources()) : []
  kindFlags = addFlagSpecs(sources)
  // Every engine call starts it with the global flags of the completed line.
  const ask = async <A>(f: (e: EngineApi) => Effect.Effect<A, unknown>): Promise<A> => {
    await startEngine(ctx, first.globals)
    const { call } = await import("./_engine.ts")
    return call(ctx, f)
  }
  // Job ids come from the cache while nothing they depend on has changed,
  // so a second Tab starts no engine.
  const scope = cacheScope({ ...ctx.globals, ...first.globals }, ctx.env, process.cwd())
  const jobIds = async (): Promise<ReadonlyArray<string>> => {
    const cached = scope === undefined ? undefined : readJobIds(scope)
    if (cached !== undefined) return cached
    const ids = (await ask((e) => e.jobs())).map((j) => j.id)
    if (scope !== undefined) {
      ctx.afterEngine(() => {
        try {
          writeJobIds(scope, ids)
        } catch {
          // A read-only data directory only means the next Tab is slow again.
        }
      })
    }
    return ids
  }
  const spec = first.command === undefined ? undefined : findCommand(first.command)
  const isJob = first.command !== undefined && spec === undefined
  const jobId = isJob ? first.command : spec?.operands?.[0] === "job" ? first.operands[0] : undefined
  let flags: ReadonlyArray<FlagSpec> = registryFlags(spec, spec?.subcommands?.find((s) => s.name === first.operands[0]))
  if (spec?.name === ":sources" && first.operands[0] === "add") flags = [...flags, ...kindFlags]
  let state = first
  if (jobId !== undefined) {
    const job = (await ask((e) => e.job(jobId))).job
    // After a job id, --config and --plugin are the job's own flags.
    flags = [...jobFlagSpecs(job.argspec), ...globalFlags.filter((f) => !beforeJobFlags.includes(f.name))]
    // Job flags decide which words were values, so scan again knowing them.
    state = scan(prev, (_, flag) => valueFlag(flags, flag))
  }
  if (state.pending !== undefined) {
    switch (state.pending) {
      case "status":
        return statuses
      case "pull-policy":
        return pullPolicies
      case "type":
        return spec?.name === ":sources"
          ? sources.map((p) => p.type)
          : spec?.name === ":events"
          ? [...(await import("../../core/mod.ts")).EventType.literals]
          : []
      case "run":
        return spec?.name === ":events" ? (await ask((e) => e.runs({ limit: 50 }))).items.map((r) => r.id) : []
      case "job":
        return spec?.name === ":runs" ? jobIds() : []
      case "profile": {
        const { Effect } = await import("../../core/mod.ts")
        return [...(await ask((e) => Effect.sync(() => e.profiles().available)))]
      }
      default:
        return [] // paths and free text: the shell's own completion takes over
    }
  }
  if (current.startsWith("-")) return flags.filter((f) => f.hidden !== true).map((f) => `--${f.name}`)
  if (state.command === undefined) {
    const names = [...visibleCommands().map((c) => c.name)]
    if (current.startsWith(":")) return names
    return [...names, ...(await jobIds().catch(() => []))]
  }
  if (spec === undefined) return []
  const sub = spec.subcommands?.find((s) => s.name === state.operands[0])
  if (spec.subcommands !== undefined && sub === undefined && state.operands.length === 0) return spec.subcommands.map((s) => s.name)
  const operandIndex = state.operands.length - (sub !== undefined ? 1 : 0)
  const kind = (sub ?? spec).operands?.[operandIndex]
  switch (kind) {
    case "shell":
      return ["bash", "zsh", "fish"]
    case "job":
      return jobIds()
    case "run":
      return (await ask((e) => e.runs({ limit: 50 }))).items.map((r) => r.id)
    case "source":
      return (await ask((e) => e.sources())).map((s) => s.name)
    default:
      return []
  }
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const words = ctx.args[0] === "--" ? ctx.args.slice(1) : ctx.args
  const current = words[words.length - 1] ?? ""
  try {
    const found = await candidates(ctx, words.length === 0 ? [""] : words)
    for (const c of found) if (c.startsWith(current)) ctx.out.line(c)
  } catch {
    // Completion stays silent: an error here would be printed into the prompt.
  }
  return 0
}
