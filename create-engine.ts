/**
 * @module
 * The engine factory: the built-in plugins and the loaded ones, the SQLite
 * store in the data directory, and the settings resolved from options,
 * environment, `flwd.yaml` and the policy file. The CLI, the server and
 * embedding programs all start here.
 */
import { existsSync, mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { tracingLayer } from "./plugins/telemetry/mod.ts"
import { type ConfigFile, checkDeclaredSources, configPath, loadConfig, markDeclared, type ReconcileReport, reconcileSources } from "./config/mod.ts"
import {
  Engine,
  engineLayer,
  type EngineSettings,
  type ExecutorPlugin,
  type LazyExecutorPlugin,
  type LazySourcePlugin,
  parseDuration,
  type PluginSet,
  type Policy,
  type SourcePlugin
} from "./core/mod.ts"
import { makeProcessExecutor } from "./plugins/executors/process/mod.ts"
import { checkPolicy, loadPolicyFile } from "./plugins/policy/mod.ts"
import { loadPlugins, type PluginModuleRef } from "./plugins/loader/mod.ts"
import { builtinProfiles } from "./plugins/profiles/mod.ts"
import { loadRootTree, localSource } from "./plugins/sources/local/mod.ts"
import * as SqliteStore from "./plugins/stores/sqlite/mod.ts"

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
 * A running engine.
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineHandle {
  readonly runtime: ManagedRuntime.ManagedRuntime<Engine, never>
  /** Runs an Effect needing the Engine; rejects with the original tagged error. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Engine>) => Promise<A>
  readonly settings: EngineSettings
  /** The config file read at start (`bind` and `tokens` are the server's to use); absent or null without one. */
  readonly config?: ConfigFile | null
  /** What reconciling the config's declared sources did; absent or null without a config file. */
  readonly reconciled?: ReconcileReport | null
  /** Cancels what still runs and closes the store. */
  readonly dispose: () => Promise<void>
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

/**
 * The built-in plugins plus `extra`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function enginePlugins(settings: EngineSettings, extra: Partial<PluginSet> = {}): PluginSet {
  // git, oci and the sandbox are imported when first needed: a command that
  // never touches them (most `flwd :jobs`, `flwd <job>`) starts without
  // loading a registry client, the sigstore libraries or bubblewrap probes.
  const gitSource: LazySourcePlugin = { type: "git", lazy: () => import("./plugins/sources/git/mod.ts").then((m) => m.gitSource) }
  const ociSource: LazySourcePlugin = { type: "oci", lazy: () => import("./plugins/sources/oci/mod.ts").then((m) => m.ociSource) }
  const sandbox: LazyExecutorPlugin = {
    kind: "sandbox",
    lazy: () =>
      import("./plugins/executors/sandbox/mod.ts").then((m) =>
        m.makeSandboxExecutor({ killGraceMs: settings.killGraceMs, ceilings: settings.policy.ceilings })
      )
  }
  return {
    sources: [localSource, gitSource, ociSource, ...(extra.sources ?? [])],
    profiles: [...builtinProfiles, ...(extra.profiles ?? [])],
    executors: [makeProcessExecutor({ killGraceMs: settings.killGraceMs }), sandbox, ...(extra.executors ?? [])]
  }
}

/**
 * The same set with every lazy plugin imported (for the checks a config
 * file's declared sources need before the engine starts).
 *
 * @since 0.1.0
 * @category constructors
 */
export async function importPlugins(set: PluginSet): Promise<{
  readonly sources: ReadonlyArray<SourcePlugin<any>>
  readonly profiles: PluginSet["profiles"]
  readonly executors: ReadonlyArray<ExecutorPlugin>
}> {
  return {
    sources: await Promise.all(set.sources.map((p) => ("lazy" in p ? p.lazy() : p))),
    profiles: set.profiles,
    executors: await Promise.all(set.executors.map((p) => ("lazy" in p ? p.lazy() : p)))
  }
}

/** @since 0.1.0 @category models */
export interface EngineLayerExtras {
  /** See `EngineOptions.pluginTimeoutMs`. Default 30 s. */
  readonly pluginTimeoutMs?: number
  /** Names of the sources a config file declares; given, records of declared sources are marked. Default: none marked. */
  readonly declared?: ReadonlySet<string>
  /** Filled with declared names restored from records not yet marked (see `markDeclared`). */
  readonly unmarked?: Set<string>
  /** The plugin set with lazy plugins imported (see `importPlugins`); required with `declared`. */
  readonly imported?: Awaited<ReturnType<typeof importPlugins>>
}

/**
 * Builds the engine layer with the built-in plugins and the SQLite store.
 *
 * @since 0.1.0
 * @category layers
 */
export function defaultEngineLayer(settings: EngineSettings, extra: Partial<PluginSet> = {}, extras: EngineLayerExtras = {}) {
  const all = extras.imported ?? enginePlugins(settings, extra)
  const plugins = extras.declared === undefined || extras.imported === undefined
    ? all
    : { ...all, sources: markDeclared(extras.imported.sources, extras.declared, extras.unmarked) }
  const root = settings.root
  const layer = engineLayer(settings, plugins, {
    ...(root === undefined ? {} : { loadRoot: loadRootTree(root) }),
    ...(extras.pluginTimeoutMs !== undefined ? { pluginTimeoutMs: extras.pluginTimeoutMs } : {})
  })
  return layer.pipe(Layer.provide(SqliteStore.layer({ path: join(settings.dataDir, "flwd.db") })))
}

/**
 * Sweeps what an interrupted pull left (temporary blobs and unpacks, dead
 * pull markers) before sources are restored, whatever sources exist: the
 * pull may never have become one. A data directory that never held an
 * add-on costs two `stat` calls and loads nothing of the OCI code.
 */
async function sweepPullLeftovers(dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, "addons")) && !existsSync(join(dataDir, "blobs"))) return
  const { sweepLeftovers } = await import("./plugins/sources/oci/sweep.ts")
  await Effect.runPromise(sweepLeftovers(dataDir))
}

/**
 * Starts an engine: reads the config file, loads plugin modules, builds the
 * engine and reconciles the declared sources. Fails with the tagged error
 * (`config.invalid`, `policy.invalid`, `plugin.invalid`, `store.failed`, …)
 * when it cannot start; a declared source that fails to load does not stop
 * it (see `reconciled`).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createEngine, Engine, Effect } from "flwd"
 *
 * const engine = await createEngine({ root: "examples/jobs", dataDir: ".flwd" })
 * const plan = await engine.run(Effect.flatMap(Engine, (e) => e.plan({ job: "hello-world", args: { name: "Alice" } })))
 * console.log(plan.args) // { name: "Alice", loud: false }
 * await engine.dispose()
 * ```
 */
export async function createEngine(options: EngineOptions = {}): Promise<EngineHandle> {
  const { settings, config, policyFile, pluginModules, pluginTimeoutMs } = resolveOptions(options)
  // Trust keys, identities and roots are checked now, so a bad one stops the start rather than a later verification.
  await checkPolicy(settings.policy, { policyDir: settings.policyDir ?? process.cwd(), file: policyFile })
  const given = options.plugins ?? {}
  const loaded = await loadPlugins(pluginModules, { builtin: enginePlugins(settings, given), timeoutMs: pluginTimeoutMs })
  const extra: Partial<PluginSet> = {
    sources: [...(given.sources ?? []), ...loaded.set.sources],
    profiles: [...(given.profiles ?? []), ...loaded.set.profiles],
    executors: [...(given.executors ?? []), ...loaded.set.executors]
  }
  const declared = config?.config.sources ?? []
  // Declared sources are checked against their plugins' specs before the start.
  const imported = config !== null ? await importPlugins(enginePlugins(settings, extra)) : undefined
  if (config !== null && imported !== undefined) checkDeclaredSources(declared, imported, config.path)
  mkdirSync(settings.dataDir, { recursive: true })
  await sweepPullLeftovers(settings.dataDir)
  const unmarked = new Set<string>()
  const layer = defaultEngineLayer(settings, extra, {
    pluginTimeoutMs,
    ...(config !== null && imported !== undefined ? { declared: new Set(declared.map((d) => d.name)), unmarked, imported } : {})
  })
  // Spans are exported only when OTEL_EXPORTER_OTLP_* says where; only then is the SDK loaded.
  const tracing = await tracingLayer(options.env ?? process.env)
  const runtime = ManagedRuntime.make(Layer.provideMerge(layer as Layer.Layer<Engine, never>, tracing))
  const run = async <A, E>(effect: Effect.Effect<A, E, Engine>): Promise<A> => {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }
  const built = await runtime.runPromiseExit(Effect.void)
  if (Exit.isFailure(built)) {
    await runtime.dispose().catch(() => undefined)
    throw Cause.squash(built.cause)
  }
  const handle: EngineHandle = { runtime, run, settings, config, reconciled: null, dispose: () => runtime.dispose() }
  if (config === null) return handle
  try {
    return { ...handle, reconciled: await reconcileSources(handle, declared, imported ?? await importPlugins(enginePlugins(settings, extra)), unmarked) }
  } catch (e) {
    await runtime.dispose().catch(() => undefined)
    throw e
  }
}
