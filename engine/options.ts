/**
 * @module
 * Options of an engine and their resolution: options (flags) > environment
 * > `flwd.yaml` > the policy file > defaults.
 */
import { dirname, resolve } from "node:path"
import { type EngineSettings, parseDuration, type PluginSet, type Policy } from "../core/mod.ts"
import type { PluginModuleRef } from "../plugins/loader/mod.ts"
import { loadPolicyFile } from "../plugins/policy/mod.ts"
import { type ConfigFile, configPath, loadConfig } from "./config-file.ts"

/**
 * Options of `createEngine`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineOptions {
  /** Data directory. Default: `$FLWD_DATA_DIR`, else `./.flwd`. */
  readonly dataDir?: string
  /** Root job tree whose jobs keep bare ids. Default `./jobs`. */
  readonly root?: string
  /** Default profile. Precedence: this > `$FLWD_PROFILE` > `flwd.yaml` > the policy's `profile` > `secure`. */
  readonly profile?: string
  /** Policy file. Default: `$FLWD_POLICY_FILE`, else `./flwd.policy.yaml` when present. */
  readonly policyFile?: string
  /** A policy given as a value (wins over `policyFile`). */
  readonly policy?: Policy
  /** Directories local sources may point into. Default: the policy's `allowed_local_roots`, else the working directory. */
  readonly allowedLocalRoots?: ReadonlyArray<string>
  /** Runs executing at once. Default 4. */
  readonly maxConcurrentRuns?: number
  /** Extra plugins, added to the built-in ones. */
  readonly plugins?: Partial<PluginSet>
  /**
   * Plugin modules to load (`--plugin`): paths relative to the working
   * directory, or package names; added to the config file's `plugins`.
   * Default none.
   */
  readonly pluginModules?: ReadonlyArray<string>
  /** `flwd.yaml` to read; `false` reads none. Default: `$FLWD_CONFIG`, else `./flwd.yaml` when present. */
  readonly config?: string | false
  /** How long a source plugin call may go without finishing or reporting progress. Default: the config's `plugin_timeout`, else 30 s. */
  readonly pluginTimeoutMs?: number
  /** Environment to read `FLWD_*` variables from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * Everything a start reads before it builds the engine.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedOptions {
  readonly settings: EngineSettings
  readonly config: ConfigFile | null
  /** The policy file read, or null (none, or a policy given as a value). */
  readonly policyFile: string | null
  /** Plugin modules to load: the config's, then `pluginModules`. */
  readonly pluginModules: ReadonlyArray<PluginModuleRef>
  readonly pluginTimeoutMs: number
}

/**
 * Resolves options, the environment, `flwd.yaml` and the policy file.
 * Precedence: options (flags) > environment > config file > defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const env = options.env ?? process.env
  const cwd = process.cwd()
  const config = loadConfig({ env, cwd, ...(options.config !== undefined ? { config: options.config } : {}) })
  const c = config?.config
  const fromFile = (path: string | undefined) => (path === undefined || config === null ? undefined : configPath(config, path))
  const policyFile = options.policyFile ?? nonEmpty(env.FLWD_POLICY_FILE) ?? fromFile(c?.policy)
  const loadedPolicy = options.policy !== undefined ? { policy: options.policy, path: null } : loadPolicyFile(policyFile, cwd)
  const policy = loadedPolicy.policy
  const timeout = c?.plugin_timeout !== undefined ? parseDuration(c.plugin_timeout) : undefined
  return {
    settings: {
      dataDir: resolve(cwd, options.dataDir ?? nonEmpty(env.FLWD_DATA_DIR) ?? fromFile(c?.data_dir) ?? ".flwd"),
      root: resolve(cwd, options.root ?? fromFile(c?.root) ?? "jobs"),
      profile: options.profile ?? nonEmpty(env.FLWD_PROFILE) ?? c?.profile ?? policy.profile ?? "secure",
      policy,
      policyDir: loadedPolicy.path !== null ? dirname(loadedPolicy.path) : cwd,
      policyFile: loadedPolicy.path,
      allowedLocalRoots: (options.allowedLocalRoots ?? policy.allowed_local_roots ?? [cwd]).map((p) => resolve(cwd, p)),
      maxConcurrentRuns: options.maxConcurrentRuns ?? 4,
      defaultTimeoutMs: 60 * 60 * 1000,
      killGraceMs: 5000
    },
    config,
    policyFile: loadedPolicy.path,
    pluginModules: [
      ...(c?.plugins ?? []).map((specifier, i) => ({ specifier, base: config!.dir, from: `${config!.path} plugins[${i}]` })),
      ...(options.pluginModules ?? []).map((specifier) => ({ specifier, base: cwd, from: "--plugin" }))
    ],
    pluginTimeoutMs: options.pluginTimeoutMs ?? timeout ?? 30_000
  }
}

/**
 * Resolves settings from options, the environment, `flwd.yaml` and the policy file.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveSettings(options: EngineOptions = {}): EngineSettings {
  return resolveOptions(options).settings
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s
}
