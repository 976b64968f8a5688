/**
 * @module
 * `flwd :sources add` flags from the source plugins' `addFlags`: the CLI
 * keeps no table of kinds. Flags several kinds share (`--ref` of git and
 * oci) are one flag whose help names each kind; a flag is mapped to the
 * spec field of the chosen type's plugin, and the plugin's spec Schema
 * rejects a field its kind does not have, naming it.
 */
import type { AddFlag, AnySourcePlugin } from "../core/mod.ts"
import { type FlagSpec, type ParsedArgs, UsageError } from "./argv.ts"
import type { Globals } from "./context.ts"

type Sources = ReadonlyArray<AnySourcePlugin>

/**
 * The flags every kind's `addFlags` declares, merged by name.
 *
 * @since 0.2.0
 * @category constructors
 */
export function addFlagSpecs(sources: Sources): ReadonlyArray<FlagSpec> {
  const merged = new Map<string, { kinds: Array<string>; helps: Array<string>; boolean: boolean; valueName: string | undefined }>()
  for (const plugin of sources) {
    for (const f of plugin.addFlags ?? []) {
      const m = merged.get(f.flag) ?? { kinds: [], helps: [], boolean: true, valueName: undefined }
      merged.set(f.flag, m)
      m.kinds.push(plugin.type)
      m.helps.push(f.help)
      m.boolean &&= f.value === "boolean"
      m.valueName ??= f.placeholder
    }
  }
  return [...merged].map(([name, m]) => ({
    name,
    kind: m.boolean ? "boolean" as const : "value" as const,
    ...(m.valueName !== undefined && !m.boolean ? { valueName: m.valueName } : {}),
    // One text per distinct help, naming the kinds that share it: "… (git, oci)".
    description: [...new Set(m.helps)].map((help) => `${help} (${m.kinds.filter((_, i) => m.helps[i] === help).join(", ")})`).join("; ")
  }))
}

/**
 * `--set field=value` pairs: JSON when the value parses as JSON, else the text.
 *
 * @since 0.2.0
 * @category constructors
 */
export function setFields(pairs: ReadonlyArray<string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf("=")
    if (eq <= 0) throw new UsageError("--set takes field=value", { errors: [{ path: "--set", message: "must be field=value" }] })
    const raw = pair.slice(eq + 1)
    let value: unknown = raw
    try {
      value = JSON.parse(raw)
    } catch {
      // Plain text: kept as a string.
    }
    fields[pair.slice(0, eq)] = value
  }
  return fields
}

/** The plugin of `type` (or an alias). @since 0.2.0 @category constructors */
export function pluginOf(sources: Sources, type: string): AnySourcePlugin | undefined {
  return sources.find((p) => p.type === type || (p.aliases ?? []).includes(type))
}

/**
 * The spec fields the given plugin flags set, for a source of `type`: each
 * flag through the chosen kind's declaration, else the first kind that has
 * it (so the spec Schema can name a field the kind does not take).
 *
 * @since 0.2.0
 * @category constructors
 */
export function addFlagFields(parsed: ParsedArgs, sources: Sources, type: string): Record<string, unknown> {
  const chosen = pluginOf(sources, type)?.addFlags ?? []
  const all = sources.flatMap((p) => p.addFlags ?? [])
  const fields: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(parsed.flags)) {
    const flag: AddFlag | undefined = chosen.find((f) => f.flag === name) ?? all.find((f) => f.flag === name)
    if (flag === undefined) continue
    const field = flag.field ?? flag.flag
    if (flag.value === "boolean") {
      if (value === true) fields[field] = true
    } else if (typeof value === "string") {
      if (flag.value === "integer") {
        if (!/^-?\d+$/.test(value)) {
          throw new UsageError(`--${name} takes a whole number`, { errors: [{ path: `--${name}`, message: "must be a whole number" }] })
        }
        fields[field] = Number(value)
      } else fields[field] = value
    }
  }
  return fields
}

/**
 * The built-in source plugins (light definitions), for completion and a
 * remote engine, whose plugins this process does not have.
 *
 * @since 0.2.0
 * @category constructors
 */
export async function builtinSources(): Promise<Sources> {
  const { builtinPlugins } = await import("../engine/builtin-plugins.ts")
  return builtinPlugins.sources
}

/**
 * The source plugins an engine started with these globals would have: the
 * built-in kinds, then those of `--plugin` modules and `flwd.yaml`'s
 * `plugins` (their light definitions: loading a module builds nothing).
 * A remote engine's plugins are not this process's: the built-in kinds.
 * Fails as a start would when the config or a module cannot be loaded.
 *
 * @since 0.2.0
 * @category constructors
 */
export async function configuredSources(globals: Globals, env?: Readonly<Record<string, string | undefined>>): Promise<Sources> {
  if (globals.remote !== undefined) return builtinSources()
  const [{ engineOptionsOf }, { readStartInputs }, { enginePlugins }, { loadPlugins }] = await Promise.all([
    import("./context.ts"),
    import("../engine/options.ts"),
    import("../engine/plugin-set.ts"),
    import("../plugins/loader/mod.ts")
  ])
  const inputs = readStartInputs(engineOptionsOf(globals, env))
  if (inputs.pluginModules.length === 0) return builtinSources()
  const loaded = await loadPlugins(inputs.pluginModules, { builtin: enginePlugins(), timeoutMs: inputs.pluginTimeoutMs })
  return enginePlugins(loaded.set).sources
}

/**
 * `:sources add` as its help shows it: the flags every kind has, with the
 * kinds' flags (the built-in ones and those of the modules `globals` load)
 * before `--set`.
 *
 * @since 0.2.0
 * @category constructors
 */
export async function withKindFlags<S extends { readonly flags: ReadonlyArray<FlagSpec> }>(
  spec: S,
  globals: Globals,
  env?: Readonly<Record<string, string | undefined>>
): Promise<S> {
  const kinds = addFlagSpecs(await configuredSources(globals, env))
  return { ...spec, flags: [...spec.flags.filter((f) => f.name !== "set"), ...kinds, ...spec.flags.filter((f) => f.name === "set")] }
}
