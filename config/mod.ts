/**
 * @module
 * `flwd.yaml`: its Schema, finding and reading it, the effective
 * configuration with secrets masked, and the reconciliation of the sources
 * it declares.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config/mod.ts"
 *
 * const file = loadConfig({ config: "flwd.yaml" }) // throws config.invalid naming each failing field
 * ```
 */
export { checkDeclaredSources, DECLARED_FIELD, markDeclared, type ReconcileReport, reconcileSources } from "./declared-sources.ts"
export { effectiveConfig, type EffectiveConfigInput } from "./effective.ts"
export { type ConfigFile, configPath, findConfigFile, type FindConfigOptions, loadConfig, readConfigFile } from "./load-config.ts"
export { ConfigToken, DeclaredSource, FlwdConfig } from "./schema.ts"
