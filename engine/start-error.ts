/**
 * @module
 * What can stop an engine from starting, as one tagged union: a bad
 * `flwd.yaml` or flag (`ConfigError`, `config.invalid`), a bad policy file or
 * a plugin's check of its section (`PolicyError`/`ConfigError`,
 * `policy.invalid`), a plugin module that cannot load or two plugins
 * claiming one name (`PluginError`, `plugin.invalid`), a store that cannot
 * open (`StoreError`, `store.failed`).
 */
import * as Effect from "effect/Effect"
import { ConfigError, PluginError, PolicyError, StoreError } from "../core/mod.ts"

/**
 * Any failure of an engine's start.
 *
 * @since 0.2.0
 * @category errors
 */
export type EngineStartError = ConfigError | PolicyError | PluginError | StoreError

/**
 * Whether a caught value is one of the start's tagged errors.
 *
 * @since 0.2.0
 * @category errors
 */
export function isEngineStartError(u: unknown): u is EngineStartError {
  return u instanceof ConfigError || u instanceof PolicyError || u instanceof PluginError || u instanceof StoreError
}

/**
 * Runs a step written with Promises or throws (the loaders, the file
 * readers): a start error it throws keeps its tag; anything else is a bug of
 * that step, reported as `fallback` with the cause kept, never cast.
 *
 * @since 0.2.0
 * @category constructors
 */
export function startStep<A>(
  step: () => A | Promise<A>,
  fallback: (cause: unknown) => EngineStartError
): Effect.Effect<A, EngineStartError> {
  return Effect.tryPromise({
    try: async () => await step(),
    catch: (cause) => (isEngineStartError(cause) ? cause : fallback(cause))
  })
}
