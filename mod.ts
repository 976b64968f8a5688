/**
 * @module
 * flwd's public API: the engine factory, the plugin API (types, errors,
 * services, helpers) and the built-in plugins for reuse.
 *
 * @example
 * ```ts
 * import { createEngine, Engine, Effect } from "flwd"
 *
 * const engine = await createEngine({ root: "examples/jobs" })
 * const jobs = await engine.run(Effect.flatMap(Engine, (e) => e.jobs()))
 * console.log(jobs.map((j) => j.id))
 * await engine.dispose()
 * ```
 */
export * from "./core/mod.ts"
export { createEngine, layerEngine, EngineInfo, resolveSettings, type EngineHandle, type EngineOptions, type EngineStartError } from "./engine/mod.ts"
export { builtinPlugins, enginePlugins, layerPlatform, resolveOptions, type ResolvedOptions } from "./engine/mod.ts"
export { loadConfig, readConfigFile, effectiveConfig, FlwdConfig, type ConfigFile, type ReconcileReport } from "./engine/mod.ts"
export { discoverJobTree, discoverJobTreeEffect, type DiscoveredTree, type DiscoverOptions } from "./plugins/tree/mod.ts"
export { loadPluginModule, loadPlugins, type PluginModuleRef } from "./plugins/loader/mod.ts"
export { gitSource, makeGitSource, GitSourceSpec, type GitSourceOptions } from "./plugins/sources/git/mod.ts"
export { loadPolicyFile } from "./plugins/policy/mod.ts"
export { packAddon, pushImage, signImage } from "./plugins/addon/mod.ts"
// The reference parser alone: the registry client it belongs to loads undici.
export { formatReference, imageReference, parseImageReference, parseImageReferenceEither, type ImageReference } from "./plugins/oci/reference.ts"
export { builtinProfiles, disabledProfile, permissiveProfile, secureProfile } from "./plugins/profiles/mod.ts"
export { createApp, type AppOptions } from "./server/mod.ts"
