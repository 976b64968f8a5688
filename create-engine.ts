/**
 * @module
 * The engine factory: the built-in plugins, the SQLite store in the data
 * directory and the settings resolved from options, environment and the
 * policy file. The CLI, the server and embedding programs all start here.
 */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import { Engine, engineLayer, type EngineSettings, type PluginSet, type Policy } from "./core/mod.ts"
import { makeProcessExecutor } from "./plugins/executors/process/mod.ts"
import { makeSandboxExecutor } from "./plugins/executors/sandbox/mod.ts"
import { loadPolicyFile } from "./plugins/policy/mod.ts"
import { builtinProfiles } from "./plugins/profiles/mod.ts"
import { loadRootTree, localSource } from "./plugins/sources/local/mod.ts"
import { ociSource } from "./plugins/sources/oci/mod.ts"
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
  /** Default profile. Precedence: `$FLWD_PROFILE` > this > the policy's `profile` > `secure`. */
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
  /** Cancels what still runs and closes the store. */
  readonly dispose: () => Promise<void>
}

/**
 * Resolves settings from options, the environment and the policy file.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveSettings(options: EngineOptions = {}): EngineSettings {
  const env = options.env ?? process.env
  const cwd = process.cwd()
  const policy = options.policy ?? loadPolicyFile(options.policyFile ?? env.FLWD_POLICY_FILE, cwd).policy
  const root = resolve(cwd, options.root ?? "jobs")
  return {
    dataDir: resolve(cwd, options.dataDir ?? env.FLWD_DATA_DIR ?? ".flwd"),
    root,
    profile: nonEmpty(env.FLWD_PROFILE) ?? options.profile ?? policy.profile ?? "secure",
    policy,
    allowedLocalRoots: (options.allowedLocalRoots ?? policy.allowed_local_roots ?? [cwd]).map((p) => resolve(cwd, p)),
    maxConcurrentRuns: options.maxConcurrentRuns ?? 4,
    defaultTimeoutMs: 60 * 60 * 1000,
    killGraceMs: 5000
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s
}

/**
 * Builds the engine layer with the built-in plugins and the SQLite store.
 *
 * @since 0.1.0
 * @category layers
 */
export function defaultEngineLayer(settings: EngineSettings, extra: Partial<PluginSet> = {}) {
  const plugins: PluginSet = {
    sources: [localSource, ociSource, ...(extra.sources ?? [])],
    profiles: [...builtinProfiles, ...(extra.profiles ?? [])],
    executors: [makeProcessExecutor({ killGraceMs: settings.killGraceMs }), makeSandboxExecutor({ killGraceMs: settings.killGraceMs, ceilings: settings.policy.ceilings }), ...(extra.executors ?? [])]
  }
  const root = settings.root
  const layer = engineLayer(settings, plugins, root === undefined ? {} : { loadRoot: loadRootTree(root) })
  return layer.pipe(Layer.provide(SqliteStore.layer({ path: join(settings.dataDir, "flwd.db") })))
}

/**
 * Starts an engine. Fails with the tagged error (`policy.invalid`,
 * `plugin.invalid`, `store.failed`, …) when it cannot start.
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
  const settings = resolveSettings(options)
  mkdirSync(settings.dataDir, { recursive: true })
  const runtime = ManagedRuntime.make(defaultEngineLayer(settings, options.plugins) as Layer.Layer<Engine, never>)
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
  return { runtime, run, settings, dispose: () => runtime.dispose() }
}
