/**
 * @module
 * `layerEngine(options)`: the whole engine as one Layer, from options to a
 * running engine with its declared sources in place. In order:
 *
 * 1. the config file and the environment (`config.invalid`);
 * 2. the plugin modules it names (`plugin.invalid`), joined to the
 *    built-in plugins and those given as values;
 * 3. the policy file, decoded with the Schema the plugins assemble
 *    (`policy.invalid`), and the settings;
 * 4. the declared sources checked against their plugins' specs
 *    (`config.invalid`), and every plugin's `check` of its policy section
 *    (`policy.invalid`);
 * 5. every plugin's `sweep` of what an interrupted operation left;
 * 6. the store (`store.failed`): SQLite in the data directory, or
 *    PostgreSQL for a `postgres://` store (its module loaded only then);
 *    and the engine's services, which restore the stored sources;
 * 7. the declared sources reconciled (a failure of one is reported in
 *    `EngineInfo.reconciled`, never stops the start);
 * 8. tracing, when `OTEL_EXPORTER_OTLP_*` asks for it.
 *
 * Everything the engine acquires — the store, the plugins' builds — is
 * released when the layer's Scope closes.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Engine, engineLayer, type PluginSet, Store, StoreError } from "../core/mod.ts"
import { loadRootTree, localSource } from "../plugins/sources/local/mod.ts"
import * as SqliteStore from "../plugins/stores/sqlite/mod.ts"
import { tracingLayer } from "../plugins/telemetry/mod.ts"
import { markDeclared, reconcileSources, storedDeclared } from "./declared-sources.ts"
import { EngineInfo } from "./engine-info.ts"
import type { EngineOptions } from "./options.ts"
import type { StoreChoice } from "./store-choice.ts"
import { layerEnginePlatform } from "./platform.ts"
import { contributors, prepareStart } from "./prepare-start.ts"
import { type EngineStartError, isEngineStartError } from "./start-error.ts"

/** Step 5. A sweep that fails is left for the next start: leftovers waste space, they do not corrupt. */
function sweep(set: PluginSet, dataDir: string): Effect.Effect<void> {
  return Effect.forEach(contributors(set), (p) => (p.sweep === undefined ? Effect.void : Effect.ignore(p.sweep({ dataDir }))), { discard: true })
}

function makeDataDir(dataDir: string): Effect.Effect<void, StoreError> {
  return Effect.try({
    try: () => void mkdirSync(dataDir, { recursive: true }),
    catch: (cause) =>
      new StoreError({
        code: "store.failed",
        detail: `Cannot create the data directory ${dataDir}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })
}

/** Step 6's store. The PostgreSQL driver is imported only for a postgres store: a start on SQLite never loads it. */
function storeLayer(choice: StoreChoice, dataDir: string, leaseMs: number | undefined): Layer.Layer<Store, StoreError> {
  if (choice.kind === "sqlite") return SqliteStore.layer({ path: join(dataDir, "flwd.db") })
  return Layer.unwrapEffect(
    Effect.promise(() => import("../plugins/stores/postgres/mod.ts")).pipe(
      Effect.map((PostgresStore) => PostgresStore.layer({ url: choice.url, dataDir, ...(leaseMs !== undefined ? { leaseMs } : {}) }))
    )
  )
}

/**
 * The engine, from options: every start step inside one Layer, its
 * failures typed. Provides `Engine` and `EngineInfo` (settings, config
 * file, plugins, what reconciling did).
 *
 * @since 0.2.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Engine, layerEngine } from "flwd"
 *
 * const jobs = Effect.flatMap(Engine, (e) => e.jobs()).pipe(
 *   Effect.provide(layerEngine({ root: "examples/jobs", config: false, env: {} }))
 * )
 * console.log((await Effect.runPromise(jobs)).map((j) => j.id))
 * ```
 */
export function layerEngine(options: EngineOptions = {}): Layer.Layer<Engine | EngineInfo, EngineStartError> {
  const built = Layer.unwrapEffect(Effect.gen(function* () {
    const { inputs, settings, plugins, config } = yield* prepareStart(options)
    yield* makeDataDir(settings.dataDir)
    yield* sweep(plugins, settings.dataDir)
    const declared = config?.config.sources ?? []
    const store = storeLayer(inputs.store, settings.dataDir, inputs.nodeLeaseMs)
    // Which names the store holds as declared is read before the engine restores (and rewrites) their records.
    const start = Layer.unwrapEffect(Effect.gen(function* () {
      const stored = config === null ? new Set<string>() : storedDeclared(yield* Effect.flatMap(Store, (s) => s.listSources()))
      const marked = new Set([...stored, ...declared.map((d) => d.name)])
      const set = config === null ? plugins : { ...plugins, sources: markDeclared(plugins.sources, marked) }
      const engine = engineLayer(settings, set, {
        // The root tree is a job tree on disk: the local source kind's.
        ...(settings.root !== undefined ? { root: { type: localSource.type, path: settings.root, load: loadRootTree(settings.root) } } : {}),
        pluginTimeoutMs: inputs.pluginTimeoutMs
      })
      const info = Layer.effect(
        EngineInfo,
        Effect.gen(function* () {
          const reconciled = config === null ? null : yield* reconcileSources(declared, set, stored, marked)
          const { heldLeases } = yield* Store
          return {
            heldLeases,
            settings,
            config,
            plugins,
            pluginModules: inputs.pluginModules.map((m) => m.specifier),
            pluginTimeoutMs: inputs.pluginTimeoutMs,
            reconciled
          }
        })
      )
      return Layer.provideMerge(info, engine)
    }))
    return start.pipe(Layer.provide(store))
  }))
  // Spans are exported only when OTEL_EXPORTER_OTLP_* says where; only then is the SDK loaded.
  const tracing = Layer.unwrapEffect(Effect.promise(() => tracingLayer(options.env ?? process.env)))
  return built.pipe(
    Layer.provide(layerEnginePlatform),
    Layer.provideMerge(tracing),
    // The engine's own services fail only with start errors while they build; anything else is a bug, not an input.
    Layer.catchAll((e) => (isEngineStartError(e) ? Layer.fail(e) : Layer.die(e)))
  )
}
