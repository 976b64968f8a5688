/**
 * @module
 * The engine's home: options and their resolution, `flwd.yaml` (its
 * Schema, finding and reading it, the effective configuration with secrets
 * masked, the reconciliation of the sources it declares), the built-in
 * plugin set, the engine layer (`layerEngine`) and `createEngine`.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./engine/mod.ts"
 *
 * const file = loadConfig({ config: "flwd.yaml" }) // throws config.invalid naming each failing field
 * ```
 */
export { type Scope, scopes } from "./api-scopes.ts"
export { builtinPlugins } from "./builtin-plugins.ts"
export { type ConfigFile, configPath, findConfigFile, type FindConfigOptions, loadConfig, readConfigFile } from "./config-file.ts"
export { ConfigToken, DeclaredSource, FlwdConfig } from "./config-schema.ts"
export { createEngine } from "./create-engine.ts"
export { checkDeclaredSources, DECLARED_FIELD, markDeclared, type ReconcileReport, reconcileSources } from "./declared-sources.ts"
export { effectiveConfig, type EffectiveConfigInput } from "./effective-config.ts"
export { EngineInfo } from "./engine-info.ts"
export type { EngineHandle } from "./handle.ts"
export { layerEngine } from "./layer.ts"
export { type OpenRuntime, openRuntime } from "./open-runtime.ts"
export {
  type EngineOptions,
  readPolicy,
  readStartInputs,
  type ResolvedOptions,
  resolveOptions,
  resolveSettings,
  settingsOf,
  type StartInputs
} from "./options.ts"
export { layerEnginePlatform, layerPlatform } from "./platform.ts"
export { enginePlugins, type PolicySchema, policySchemaOf } from "./plugin-set.ts"
export { type EngineStartError, isEngineStartError } from "./start-error.ts"
