/**
 * @module
 * The engine factory: the built-in plugins and the loaded ones, the SQLite
 * store in the data directory, and the settings resolved from options,
 * environment, `flwd.yaml` and the policy file. The CLI, the server and
 * embedding programs all start here.
 */
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type { Engine, PluginSet } from "../core/mod.ts"
import { loadPlugins } from "../plugins/loader/mod.ts"
import { checkPolicy } from "../plugins/policy/mod.ts"
import { tracingLayer } from "../plugins/telemetry/mod.ts"
import { enginePlugins, importPlugins } from "./builtin-plugins.ts"
import { checkDeclaredSources, reconcileSources } from "./declared-sources.ts"
import type { EngineHandle } from "./handle.ts"
import { defaultEngineLayer } from "./layer.ts"
import { type EngineOptions, resolveOptions } from "./options.ts"

/**
 * Sweeps what an interrupted pull left (temporary blobs and unpacks, dead
 * pull markers) before sources are restored, whatever sources exist: the
 * pull may never have become one. A data directory that never held an
 * add-on costs two `stat` calls and loads nothing of the OCI code.
 */
async function sweepPullLeftovers(dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, "addons")) && !existsSync(join(dataDir, "blobs"))) return
  const { sweepLeftovers } = await import("../plugins/sources/oci/sweep.ts")
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
