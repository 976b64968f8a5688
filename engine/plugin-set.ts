/**
 * @module
 * An engine's plugin set: the built-in plugins, then those given as values
 * (`EngineOptions.plugins`), then those loaded from modules (`--plugin`,
 * `flwd.yaml`'s `plugins`); and the policy Schema they assemble.
 */
import * as Either from "effect/Either"
import { assembleContributions, type PluginError, type PluginSet, type Policy, type Schema } from "../core/mod.ts"
import { builtinPlugins } from "./builtin-plugins.ts"

/**
 * The Schema of a policy file: core's keys plus every plugin's section.
 *
 * @since 0.2.0
 * @category models
 */
export type PolicySchema = Schema.Schema<Policy, unknown>

/**
 * The built-in plugins plus `extra` (each kind appended; `extra`'s default
 * executor wins when given).
 *
 * @since 0.1.0
 * @category constructors
 */
export function enginePlugins(...extras: ReadonlyArray<Partial<PluginSet>>): PluginSet {
  return extras.reduce<PluginSet>((set, extra) => ({
    sources: [...set.sources, ...(extra.sources ?? [])],
    profiles: [...set.profiles, ...(extra.profiles ?? [])],
    executors: [...set.executors, ...(extra.executors ?? [])],
    defaultExecutor: extra.defaultExecutor ?? set.defaultExecutor
  }), builtinPlugins)
}

/**
 * The policy Schema a plugin set assembles; fails with `plugin.invalid`
 * when two plugins claim one key.
 *
 * @since 0.2.0
 * @category constructors
 */
export function policySchemaOf(set: PluginSet): Either.Either<PolicySchema, PluginError> {
  return Either.map(assembleContributions(set), (a) => a.policy)
}
