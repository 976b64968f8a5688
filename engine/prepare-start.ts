/**
 * @module
 * The checks a start makes before it writes anything: the config file, the
 * plugin modules, the policy (decoded with the Schema the plugins
 * assemble), the declared sources, and each plugin's `check` of its policy
 * section.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { ConfigError, type EngineSettings, PluginError, type PluginSet } from "../core/mod.ts"
import { type LoadedPluginModule, loadPlugins } from "../plugins/loader/mod.ts"
import type { ConfigFile } from "./config-file.ts"
import { checkDeclaredSources } from "./declared-sources.ts"
import { type EngineOptions, readPolicy, readStartInputs, settingsOf, type StartInputs } from "./options.ts"
import { enginePlugins, policySchemaOf } from "./plugin-set.ts"
import { type EngineStartError, startStep } from "./start-error.ts"

/**
 * What the steps before the store decide.
 *
 * @since 0.2.0
 * @category models
 */
export interface PreparedStart {
  readonly inputs: StartInputs
  readonly settings: EngineSettings
  readonly plugins: PluginSet
  readonly config: ConfigFile | null
  /** The plugin modules loaded (files and what they define). */
  readonly modules: ReadonlyArray<LoadedPluginModule>
  /** The policy file read; null: none, or a policy given as a value. */
  readonly policyFile: string | null
}

// A step that throws something other than a start error is a bug of that step: named, with its cause.
const bug = (what: string) => (cause: unknown) =>
  new PluginError({ code: "plugin.invalid", detail: `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

const configBug = (cause: unknown) =>
  new ConfigError({ code: "config.invalid", detail: `Cannot read the configuration: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

/**
 * Steps 1 to 4 of a start (see `layerEngine`): the config file, the plugin
 * modules, the policy and the settings, the declared sources and the
 * plugins' checks. Nothing is written before they pass; `flwd :config
 * validate` and `flwd :policy show` run them without starting the engine.
 *
 * @since 0.2.0
 * @category constructors
 */
export function prepareStart(options: EngineOptions): Effect.Effect<PreparedStart, EngineStartError> {
  return Effect.gen(function* () {
    const inputs = yield* startStep(() => readStartInputs(options), configBug)
    const given = options.plugins ?? {}
    const loaded = yield* startStep(
      () => loadPlugins(inputs.pluginModules, { builtin: enginePlugins(given), timeoutMs: inputs.pluginTimeoutMs }),
      bug("Loading plugin modules")
    )
    const plugins = enginePlugins(given, loaded.set)
    const schema = yield* Either.match(policySchemaOf(plugins), { onLeft: Effect.fail, onRight: Effect.succeed })
    const policy = yield* startStep(() => readPolicy(options, inputs, schema), configBug)
    const settings = settingsOf(options, inputs, policy)
    const config = inputs.config
    if (config !== null) yield* startStep(() => checkDeclaredSources(config.config.sources ?? [], plugins, config.path), configBug)
    yield* checkPlugins(plugins, settings)
    return { inputs, settings, plugins, config, modules: loaded.modules, policyFile: policy.path }
  })
}

/** Every plugin of a set, as contributors of hooks. */
export const contributors = (set: PluginSet) => [...set.sources, ...set.executors, ...set.profiles]

/** Each plugin checks its policy section; a bad one (an unreadable trust key) stops the start now, not at first use. */
function checkPlugins(set: PluginSet, settings: EngineSettings): Effect.Effect<void, EngineStartError> {
  const ctx = {
    policy: settings.policy,
    ...(settings.policyDir !== undefined ? { policyDir: settings.policyDir } : {}),
    ...(settings.policyFile !== undefined ? { policyFile: settings.policyFile } : {}),
    dataDir: settings.dataDir
  }
  return Effect.forEach(contributors(set), (p) => (p.check === undefined ? Effect.void : p.check(ctx)), { discard: true })
}

/**
 * `prepareStart` for a Promise-based caller (the CLI's `:config validate`
 * and `:policy show`); rejects with the tagged error.
 *
 * @since 0.2.0
 * @category constructors
 */
export async function inspectStart(options: EngineOptions): Promise<PreparedStart> {
  const exit = await Effect.runPromiseExit(prepareStart(options))
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}
