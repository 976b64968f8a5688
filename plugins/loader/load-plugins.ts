/**
 * @module
 * Loading plugin modules at startup (`plugins:` in `flwd.yaml`, `--plugin`):
 * each is resolved, imported, and its default export validated; a module
 * that is missing, exports nothing, has the wrong shape, throws or hangs
 * while loading, or claims a name another plugin already has, stops the
 * start with `plugin.invalid` naming the module. Nothing half-loaded runs.
 */
import { pathToFileURL } from "node:url"
import { type FieldError, PluginError, type PluginSet, type SourcePlugin } from "../../core/mod.ts"
import { resolvePluginModule } from "./resolve-module.ts"
import { claims, type Definition, validateExport } from "./validate.ts"

/**
 * A module to load: a path or package name, resolved against `base`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PluginModuleRef {
  readonly specifier: string
  /** Directory relative paths and packages resolve from (the config file's, or the working directory). */
  readonly base: string
  /** Where it was asked for (`flwd.yaml plugins[0]`, `--plugin`), for errors. Default: none. */
  readonly from?: string
}

/** @since 0.1.0 @category models */
export interface LoadedPluginModule {
  readonly specifier: string
  /** The absolute file imported. */
  readonly file: string
  readonly definitions: ReadonlyArray<Definition>
}

/** @since 0.1.0 @category models */
export interface LoadPluginsOptions {
  /** Plugins already present (the built-in ones), whose names loaded plugins may not claim. Default none. */
  readonly builtin?: Partial<PluginSet>
  /** How long one module may take to import. Default 30 000 ms. */
  readonly timeoutMs?: number
}

const invalid = (ref: PluginModuleRef, problem: string, errors?: ReadonlyArray<FieldError>) =>
  new PluginError({
    code: "plugin.invalid",
    detail: `Plugin module ${ref.specifier}${ref.from !== undefined ? ` (${ref.from})` : ""} ${problem}`,
    ...(errors !== undefined ? { errors } : {})
  })

async function importWithin(url: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish loading within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([import(url) as Promise<Record<string, unknown>>, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Loads one module and validates its default export.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function loadPluginModule(ref: PluginModuleRef, timeoutMs = 30_000): Promise<LoadedPluginModule> {
  const resolved = resolvePluginModule(ref.specifier, ref.base)
  if ("error" in resolved) throw invalid(ref, resolved.error)
  let module: Record<string, unknown>
  try {
    module = await importWithin(pathToFileURL(resolved.file).href, timeoutMs)
  } catch (e) {
    throw invalid(ref, `failed to load: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (module.default === undefined) {
    const named = Object.keys(module)
    throw invalid(
      ref,
      `has no default export; a plugin module default-exports its definition (export default defineSourcePlugin({ … }))${
        named.length > 0 ? `; it exports only ${named.join(", ")}` : ""
      }`
    )
  }
  const checked = validateExport(module.default)
  if ("errors" in checked) {
    throw invalid(ref, `exports an invalid plugin: ${checked.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`, checked.errors)
  }
  return { specifier: ref.specifier, file: resolved.file, definitions: checked.definitions }
}

function builtinClaims(set: Partial<PluginSet>): Map<string, string> {
  const owners = new Map<string, string>()
  const add = (d: Definition) => {
    for (const c of claims(d)) owners.set(c, "a built-in plugin")
  }
  for (const plugin of set.sources ?? []) add({ kind: "source", plugin: plugin as SourcePlugin<any, any> })
  for (const plugin of set.profiles ?? []) add({ kind: "profile", plugin })
  for (const plugin of set.executors ?? []) add({ kind: "executor", plugin })
  return owners
}

/**
 * Loads every module in order and gathers their plugins. A module named
 * twice (the same file) is loaded once.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { loadPlugins } from "./plugins/loader/mod.ts"
 *
 * const { set } = await loadPlugins([{ specifier: "./examples/plugins/http-archive/mod.ts", base: process.cwd() }])
 * set.sources.map((s) => s.type) // ["http-archive"]
 * ```
 */
export async function loadPlugins(
  refs: ReadonlyArray<PluginModuleRef>,
  options: LoadPluginsOptions = {}
): Promise<{ readonly set: PluginSet; readonly modules: ReadonlyArray<LoadedPluginModule> }> {
  const owners = builtinClaims(options.builtin ?? {})
  const modules: Array<LoadedPluginModule> = []
  const set = {
    sources: [] as Array<PluginSet["sources"][number]>,
    profiles: [] as Array<PluginSet["profiles"][number]>,
    executors: [] as Array<PluginSet["executors"][number]>
  }
  for (const ref of refs) {
    const loaded = await loadPluginModule(ref, options.timeoutMs)
    if (modules.some((m) => m.file === loaded.file)) continue
    for (const d of loaded.definitions) {
      for (const c of claims(d)) {
        const owner = owners.get(c)
        if (owner !== undefined) throw invalid(ref, `claims ${c}, which ${owner} already has; two plugins cannot claim one kind`)
        owners.set(c, `plugin module ${ref.specifier}`)
      }
      if (d.kind === "source") set.sources.push(d.plugin)
      else if (d.kind === "profile") set.profiles.push(d.plugin)
      else set.executors.push(d.plugin)
    }
    modules.push(loaded)
  }
  return { set, modules }
}
