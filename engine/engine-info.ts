/**
 * @module
 * What a start found out besides the engine itself: the settings it
 * resolved, the config file it read, the plugin modules it loaded and what
 * reconciling the declared sources did. Provided by `layer` beside `Engine`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { EngineSettings, StoreError } from "../core/mod.ts"
import type { PluginSet } from "../core/mod.ts"
import type { ConfigFile } from "./config-file.ts"
import type { ReconcileReport } from "./declared-sources.ts"

/**
 * @since 0.2.0
 * @category tags
 */
export class EngineInfo extends Context.Tag("flwd/engine/EngineInfo")<EngineInfo, {
  readonly settings: EngineSettings
  /** The config file read at start (`bind` and `tokens` are the server's to use); null without one. */
  readonly config: ConfigFile | null
  /** Every plugin of the engine: built-in, given and loaded. */
  readonly plugins: PluginSet
  /** Plugin modules loaded, as given (from `flwd.yaml`, then `--plugin`). */
  readonly pluginModules: ReadonlyArray<string>
  readonly pluginTimeoutMs: number
  /** What reconciling the config's declared sources did; null without a config file. */
  readonly reconciled: ReconcileReport | null
  /** Keys leased in the store by any engine sharing it, for collectors (`Store.heldLeases`). */
  readonly heldLeases: () => Effect.Effect<ReadonlyArray<string>, StoreError>
}>() {}
