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
export { createEngine, type EngineHandle, EngineInfo, type EngineOptions, type EngineStartError, layerEngine, resolveSettings } from "./engine/mod.ts"
export { builtinPlugins, enginePlugins, layerPlatform, type ResolvedOptions, resolveOptions } from "./engine/mod.ts"
export { type ConfigFile, effectiveConfig, FlwdConfig, loadConfig, readConfigFile, type ReconcileReport } from "./engine/mod.ts"
export { type DiscoveredTree, discoverJobTree, discoverJobTreeEffect, type DiscoverOptions } from "./plugins/tree/mod.ts"
export { loadPluginModule, loadPlugins, type PluginModuleRef } from "./plugins/loader/mod.ts"
export { gitSource, type GitSourceOptions, GitSourceSpec, makeGitSource } from "./plugins/sources/git/mod.ts"
export { loadPolicyFile } from "./plugins/policy/mod.ts"
export { packAddon, pushImage, signImage } from "./plugins/addon/mod.ts"
// The reference parser alone: the registry client it belongs to loads undici.
export { formatReference, type ImageReference, imageReference, parseImageReference, parseImageReferenceEither } from "./plugins/oci/reference.ts"
// The safe unpacker and the process helpers, for plugins of their own: each from its file, so importing flwd loads no registry client.
export { unpackArchive, type UnpackArchiveOptions } from "./plugins/oci/unpack/unpack-archive.ts"
export type { UnpackResult } from "./plugins/oci/unpack/unpack-image.ts"
export type { EntryPolicy, LayerStats } from "./plugins/oci/unpack/unpack-layer.ts"
export { defaultLimits as defaultUnpackLimits, type UnpackLimits } from "./plugins/oci/unpack/limits.ts"
export { UnpackError, type UnpackErrorReason } from "./plugins/oci/errors.ts"
export { removeSecrets, writeSecrets } from "./plugins/exec/secrets.ts"
export { type LineSplitter, makeLineSplitter, MAX_LINE_BYTES } from "./plugins/exec/line-splitter.ts"
export { killGroup } from "./plugins/exec/kill-group.ts"
export { builtinProfiles, disabledProfile, permissiveProfile, secureProfile } from "./plugins/profiles/mod.ts"
export { type AppOptions, createApp } from "./server/mod.ts"
