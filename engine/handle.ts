/**
 * @module
 * `EngineHandle`: a running engine as an embedding program holds it.
 */
import type * as Effect from "effect/Effect"
import type * as Runtime from "effect/Runtime"
import type { Engine, EngineSettings, PluginSet } from "../core/mod.ts"
import type { ConfigFile } from "./config-file.ts"
import type { ReconcileReport } from "./declared-sources.ts"

/**
 * A running engine.
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineHandle {
  /** The engine's Runtime, for Effect programs that run beside it (streams to web responses, background fibers). */
  readonly runtime: Runtime.Runtime<Engine>
  /** Runs an Effect needing the Engine; rejects with the original tagged error. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Engine>) => Promise<A>
  readonly settings: EngineSettings
  /** Every plugin of the engine (built-in, given and loaded): the CLI and server read their flags and call their hooks. */
  readonly plugins: PluginSet
  /** The config file read at start (`bind` and `tokens` are the server's to use); absent or null without one. */
  readonly config?: ConfigFile | null
  /** What reconciling the config's declared sources did; absent or null without a config file. */
  readonly reconciled?: ReconcileReport | null
  /** Keys leased in the store by any engine sharing it (what a collection keeps besides what sources refer to); absent on a remote handle, which has no store. */
  readonly heldLeases?: () => Promise<ReadonlyArray<string>>
  /** Cancels what still runs, releases the plugins and closes the store. */
  readonly dispose: () => Promise<void>
}
