/**
 * @module
 * Options of an engine and their resolution: options (flags) > environment
 * > `flwd.yaml` > the policy file > defaults.
 */
import { dirname, resolve } from "node:path"
import * as Either from "effect/Either"
import { ConfigError, type EngineSettings, parseDuration, type PluginSet, type Policy } from "../core/mod.ts"
import type { PluginModuleRef } from "../plugins/loader/mod.ts"
import { type LoadedPolicy, loadPolicyFile } from "../plugins/policy/load/mod.ts"
import { type ConfigFile, configPath, loadConfig } from "./config-file.ts"
import { enginePlugins, type PolicySchema, policySchemaOf } from "./plugin-set.ts"
import { chooseStore, type StoreChoice } from "./store-choice.ts"

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
  /**
   * Where the state is kept: `sqlite` (the data directory's `flwd.db`) or a
   * `postgres://` URL. Default: `$FLWD_STORE`, else `flwd.yaml`'s `store`,
   * else `sqlite`.
   */
  readonly store?: string
  /**
   * How long an engine on a shared store (PostgreSQL) that stops renewing
   * its lease (killed, cut off) is still taken for alive: its runs are
   * settled by the others within this plus a third of it. A duration
   * (`15s`) or milliseconds, from 1 s to 1 h. Default: `$FLWD_NODE_LEASE`,
   * else `flwd.yaml`'s `node_lease`, else 15 s.
   */
  readonly nodeLease?: string | number
  /**
   * Whether the engine takes runs from its store's shared queue (PostgreSQL):
   * servers do, so any of them executes a run posted to any; other engines
   * execute only the runs they accept. Default false.
   */
  readonly claimsQueuedRuns?: boolean
  /** Environment to read `FLWD_*` variables from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * What a start reads before it knows its plugins: the config file, the
 * environment and the flags, but not yet the policy file (whose Schema the
 * plugins assemble).
 *
 * @since 0.2.0
 * @category models
 */
export interface StartInputs {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly config: ConfigFile | null
  /** The policy file asked for (flag, `FLWD_POLICY_FILE`, `flwd.yaml`); undefined: `./flwd.policy.yaml` when present. */
  readonly policyFile: string | undefined
  /** Plugin modules to load: the config's, then `pluginModules`. */
  readonly pluginModules: ReadonlyArray<PluginModuleRef>
  readonly pluginTimeoutMs: number
  /** The store chosen (`--store` > `FLWD_STORE` > `flwd.yaml`'s `store` > SQLite). */
  readonly store: StoreChoice
  /** The node lease in milliseconds (`nodeLease` > `FLWD_NODE_LEASE` > `node_lease`); undefined: the store's default. */
  readonly nodeLeaseMs: number | undefined
}

/**
 * Reads the config file and the environment. Throws `config.invalid`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function readStartInputs(options: EngineOptions = {}): StartInputs {
  const env = options.env ?? process.env
  const cwd = process.cwd()
  const config = loadConfig({ env, cwd, ...(options.config !== undefined ? { config: options.config } : {}) })
  const c = config?.config
  const timeout = c?.plugin_timeout !== undefined ? parseDuration(c.plugin_timeout) : undefined
  return {
    env,
    cwd,
    config,
    policyFile: options.policyFile ?? nonEmpty(env.FLWD_POLICY_FILE) ?? fromFile(config, c?.policy),
    pluginModules: config === null
      ? pluginRefs([], options, cwd)
      : pluginRefs((c?.plugins ?? []).map((specifier, i) => ({ specifier, base: config.dir, from: `${config.path} plugins[${i}]` })), options, cwd),
    pluginTimeoutMs: options.pluginTimeoutMs ?? timeout ?? 30_000,
    store: storeOf(options, env, config),
    nodeLeaseMs: nodeLeaseOf(options, env, config)
  }
}

function nodeLeaseOf(options: EngineOptions, env: Readonly<Record<string, string | undefined>>, config: ConfigFile | null): number | undefined {
  const [value, from] = options.nodeLease !== undefined
    ? [options.nodeLease, "--node-lease"]
    : nonEmpty(env.FLWD_NODE_LEASE) !== undefined
    ? [env.FLWD_NODE_LEASE as string, "FLWD_NODE_LEASE"]
    : [config?.config.node_lease, config?.path ?? "default"]
  if (value === undefined) return undefined
  const ms = parseDuration(value)
  if (ms === undefined || !Number.isInteger(ms) || ms < 1000 || ms > 3_600_000) {
    const message = "must be a duration from 1s to 1h, such as 15s"
    throw new ConfigError({ code: "config.invalid", detail: `node_lease (${from}): ${message}`, errors: [{ path: "node_lease", message }] })
  }
  return ms
}

function storeOf(options: EngineOptions, env: Readonly<Record<string, string | undefined>>, config: ConfigFile | null): StoreChoice {
  if (options.store !== undefined) return chooseStore(options.store, "--store")
  const fromEnv = nonEmpty(env.FLWD_STORE)
  if (fromEnv !== undefined) return chooseStore(fromEnv, "FLWD_STORE")
  return chooseStore(config?.config.store, config === null ? "default" : config.path)
}

const pluginRefs = (fromConfig: ReadonlyArray<PluginModuleRef>, options: EngineOptions, cwd: string): ReadonlyArray<PluginModuleRef> => [
  ...fromConfig,
  ...(options.pluginModules ?? []).map((specifier) => ({ specifier, base: cwd, from: "--plugin" }))
]

const fromFile = (config: ConfigFile | null, path: string | undefined) => (path === undefined || config === null ? undefined : configPath(config, path))

/**
 * The settings once the policy is known. Precedence: options (flags) >
 * environment > config file > the policy file > defaults.
 *
 * @since 0.2.0
 * @category constructors
 */
export function settingsOf(options: EngineOptions, inputs: StartInputs, loaded: LoadedPolicy): EngineSettings {
  const { env, cwd, config } = inputs
  const c = config?.config
  const policy = loaded.policy
  return {
    dataDir: resolve(cwd, options.dataDir ?? nonEmpty(env.FLWD_DATA_DIR) ?? fromFile(config, c?.data_dir) ?? ".flwd"),
    root: resolve(cwd, options.root ?? fromFile(config, c?.root) ?? "jobs"),
    profile: options.profile ?? nonEmpty(env.FLWD_PROFILE) ?? c?.profile ?? policy.profile ?? "secure",
    policy,
    policyDir: loaded.path !== null ? dirname(loaded.path) : cwd,
    policyFile: loaded.path,
    allowedLocalRoots: (options.allowedLocalRoots ?? policy.allowed_local_roots ?? [cwd]).map((p) => resolve(cwd, p)),
    maxConcurrentRuns: options.maxConcurrentRuns ?? 4,
    defaultTimeoutMs: 60 * 60 * 1000,
    killGraceMs: 5000,
    claimsQueuedRuns: options.claimsQueuedRuns ?? false
  }
}

/**
 * The policy in force: the one given as a value, else the policy file
 * decoded with `schema` (the plugins' assembled policy Schema). Throws
 * `policy.invalid`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function readPolicy(options: EngineOptions, inputs: StartInputs, schema: PolicySchema): LoadedPolicy {
  return options.policy !== undefined ? { policy: options.policy, path: null } : loadPolicyFile(inputs.policyFile, inputs.cwd, schema)
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
 * Resolves options, the environment, `flwd.yaml` and the policy file, the
 * policy decoded with `schema` (default: the one the built-in plugins and
 * `options.plugins` assemble). Precedence: options (flags) > environment > config file >
 * defaults. Throws `config.invalid` or `policy.invalid`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveOptions(options: EngineOptions = {}, schema?: PolicySchema): ResolvedOptions {
  const inputs = readStartInputs(options)
  const loaded = readPolicy(options, inputs, schema ?? Either.getOrThrowWith(policySchemaOf(enginePlugins(options.plugins ?? {})), (e) => e))
  return {
    settings: settingsOf(options, inputs, loaded),
    config: inputs.config,
    policyFile: loaded.path,
    pluginModules: inputs.pluginModules,
    pluginTimeoutMs: inputs.pluginTimeoutMs
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
