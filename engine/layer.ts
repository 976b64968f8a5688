/**
 * @module
 * The engine layer with the built-in plugins and the SQLite store.
 */
import { join } from "node:path"
import * as Layer from "effect/Layer"
import { engineLayer, type EngineSettings, type PluginSet } from "../core/mod.ts"
import { loadRootTree } from "../plugins/sources/local/mod.ts"
import * as SqliteStore from "../plugins/stores/sqlite/mod.ts"
import { enginePlugins, type importPlugins } from "./builtin-plugins.ts"
import { markDeclared } from "./declared-sources.ts"

/** @since 0.1.0 @category models */
export interface EngineLayerExtras {
  /** See `EngineOptions.pluginTimeoutMs`. Default 30 s. */
  readonly pluginTimeoutMs?: number
  /** Names of the sources a config file declares; given, records of declared sources are marked. Default: none marked. */
  readonly declared?: ReadonlySet<string>
  /** Filled with declared names restored from records not yet marked (see `markDeclared`). */
  readonly unmarked?: Set<string>
  /** The plugin set with lazy plugins imported (see `importPlugins`); required with `declared`. */
  readonly imported?: Awaited<ReturnType<typeof importPlugins>>
}

/**
 * Builds the engine layer with the built-in plugins and the SQLite store.
 *
 * @since 0.1.0
 * @category layers
 */
export function defaultEngineLayer(settings: EngineSettings, extra: Partial<PluginSet> = {}, extras: EngineLayerExtras = {}) {
  const all = extras.imported ?? enginePlugins(settings, extra)
  const plugins = extras.declared === undefined || extras.imported === undefined
    ? all
    : { ...all, sources: markDeclared(extras.imported.sources, extras.declared, extras.unmarked) }
  const root = settings.root
  const layer = engineLayer(settings, plugins, {
    ...(root === undefined ? {} : { loadRoot: loadRootTree(root) }),
    ...(extras.pluginTimeoutMs !== undefined ? { pluginTimeoutMs: extras.pluginTimeoutMs } : {})
  })
  return layer.pipe(Layer.provide(SqliteStore.layer({ path: join(settings.dataDir, "flwd.db") })))
}
