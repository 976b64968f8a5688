/**
 * @module
 * The engine's home: options and their resolution, `flwd.yaml` (its
 * Schema, finding and reading it, the effective configuration with secrets
 * masked, the reconciliation of the sources it declares), the built-in
 * plugin set, the engine layer and `createEngine`.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./engine/mod.ts"
 *
 * const file = loadConfig({ config: "flwd.yaml" }) // throws config.invalid naming each failing field
 * ```
 */
export { scopes, type Scope } from "./api-scopes.ts"
export { enginePlugins, importPlugins } from "./builtin-plugins.ts"
export { type ConfigFile, configPath, findConfigFile, type FindConfigOptions, loadConfig, readConfigFile } from "./config-file.ts"
export { ConfigToken, DeclaredSource, FlwdConfig } from "./config-schema.ts"
export { createEngine } from "./create-engine.ts"
export { checkDeclaredSources, DECLARED_FIELD, markDeclared, type ReconcileReport, reconcileSources } from "./declared-sources.ts"
export { effectiveConfig, type EffectiveConfigInput } from "./effective-config.ts"
export type { EngineHandle } from "./handle.ts"
export { defaultEngineLayer, type EngineLayerExtras } from "./layer.ts"
export { type EngineOptions, resolveOptions, type ResolvedOptions, resolveSettings } from "./options.ts"
