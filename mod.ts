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
export { createApp, type AppOptions } from "./server/mod.ts"
