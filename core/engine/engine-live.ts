/**
 * @module
 * The engine, composed in one place from its services. Entry points (CLI,
 * server, embedding programs) build it with `createEngine` (root `mod.ts`),
 * which supplies the built-in plugins and the Store.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { type EngineError, RunError, SourceError } from "../domain/errors.ts"
import type { PlanRequest } from "../domain/plan.ts"
import type { SourceSpec } from "../domain/source.ts"
import type { PluginSet } from "../plugin.ts"
import { compileArgSpec } from "./args.ts"
import { EngineConfig, type EngineSettings } from "./config.ts"
import { Engine } from "./engine.ts"
import * as EventBusLive from "./event-bus.ts"
import { EventBus } from "./event-bus.ts"
import * as JobCatalogLive from "./job-catalog.ts"
import { JobCatalog } from "./job-catalog.ts"
import * as PlannerLive from "./planner.ts"
import { Planner } from "./planner.ts"
import type { PluginPlatform } from "./plugin-platform.ts"
import { layerPlugins, Plugins } from "./plugins.ts"
import * as PolicyEngineLive from "./policy-engine.ts"
import { PolicyEngine } from "./policy-engine.ts"
import * as RunnerLive from "./runner-live.ts"
import { Runner } from "./runner.ts"
import * as SourceRegistryLive from "./source-registry.ts"
import { SourceRegistry } from "./source-registry.ts"
import { type IdempotencyRecord, Store } from "./store.ts"

const engineService = Effect.gen(function* () {
  const store = yield* Store
  const bus = yield* EventBus
  const catalog = yield* JobCatalog
  const planner = yield* Planner
  const runner = yield* Runner
  const registry = yield* SourceRegistry
  const policy = yield* PolicyEngine
  const plugins = yield* Plugins

  const getRun = (id: string) =>
    store.getRun(id).pipe(
      Effect.flatMap((run) => run === null ? Effect.fail(new RunError({ code: "run.not.found", detail: `No run "${id}"` })) : Effect.succeed(run))
    )

  const source = (name: string) =>
    registry.current.pipe(
      Effect.flatMap((entries) => {
        const entry = entries.find((e) => e.record.name === name)
        return entry === undefined
          ? Effect.fail(new SourceError({ code: "source.not.found", detail: `No source named "${name}"` }))
          : Effect.succeed(entry.record)
      })
    )

  // The key is taken in the same transaction that records the run, so of
  // concurrent requests with one key, on any engine sharing the store, one
  // starts a run and the others answer with it.
  const runIdempotent = (key: string, requestHash: string, request: PlanRequest) =>
    Effect.gen(function* () {
      const replay = (existing: IdempotencyRecord) =>
        existing.request_hash === requestHash ? Effect.map(getRun(existing.run_id), (run) => ({ run, replayed: true })) : Effect.fail(
          new RunError({ code: "idempotency.conflict", detail: `Idempotency-Key "${key}" was already used with a different request` })
        )
      // Planning costs nothing durable: a replay is answered without it.
      const existing = yield* store.getIdempotency(key)
      if (existing !== null) return yield* replay(existing)
      const resolved = yield* planner.plan(request)
      const started = yield* runner.startOnce(resolved, key, requestHash)
      if (started._tag === "Taken") return yield* replay(started.taken)
      return { run: started.run, replayed: false }
    })

  const latestEventId = store.latestEventId()

  return Engine.of({
    jobs: () => catalog.list,
    job: (id, sourceName) => catalog.get(id, sourceName).pipe(Effect.map((job) => ({ job, argsSchema: compileArgSpec(job.argspec).jsonSchema }))),
    diagnostics: () => catalog.diagnostics,
    plan: (request) => planner.plan(request).pipe(Effect.map((resolved) => resolved.plan)),
    run: (request) => planner.plan(request).pipe(Effect.flatMap(runner.start)),
    getRun,
    runs: (filter) => store.listRuns(filter),
    journal: (query) => store.listEvents(query),
    cancel: (id) => runner.cancel(id),
    runEvents: (id, after) => Stream.unwrap(getRun(id).pipe(Effect.map(() => bus.follow({ run_id: id, after: after ?? 0 })))),
    events: (options) => bus.follow({ ...options, run_id: undefined, untilTerminal: false }),
    sources: () => registry.current.pipe(Effect.map((entries) => entries.map((e) => e.record))),
    source,
    addSource: (spec: SourceSpec) => registry.add(spec).pipe(Effect.map(({ record, created }) => ({ source: record, created }))),
    removeSource: (name) => registry.remove(name),
    refreshSource: (name) => registry.refresh(name),
    profiles: () => ({ default: policy.defaultProfile.name, available: plugins.profiles.map((p) => p.name) }),
    awaitIdle: runner.awaitIdle,
    runIdempotent,
    latestEventId
  })
})

/** @since 0.1.0 @category models */
export interface EngineLayerOptions extends SourceRegistryLive.RegistryOptions {}

/**
 * The whole engine as one layer; it needs a Store and the platform services
 * plugins build with (`PluginPlatform`, built when a plugin first needs
 * them). Plugins are built inside the layer's Scope and released with it.
 *
 * @since 0.1.0
 * @category layers
 */
export function engineLayer(
  settings: EngineSettings,
  plugins: PluginSet,
  options: EngineLayerOptions = {}
): Layer.Layer<Engine, EngineError, Store | PluginPlatform> {
  const config = Layer.succeed(EngineConfig, settings)
  const base = Layer.provideMerge(layerPlugins(plugins), config)
  const recovered = Layer.effectDiscard(
    Effect.flatMap(Store, (store) => store.failInterruptedRuns(new Date().toISOString()))
  )
  const bus = EventBusLive.layer
  const policy = PolicyEngineLive.layer.pipe(Layer.provide(bus), Layer.provide(base))
  const registry = SourceRegistryLive.layer(options).pipe(Layer.provide(policy), Layer.provide(bus), Layer.provide(base))
  const catalog = JobCatalogLive.layer.pipe(Layer.provide(registry))
  const planner = PlannerLive.layer.pipe(
    Layer.provide(Layer.mergeAll(catalog, registry, policy, base))
  )
  const runner = RunnerLive.layer.pipe(Layer.provide(Layer.mergeAll(planner, bus, base)))
  return Layer.effect(Engine, engineService).pipe(
    Layer.provide(Layer.mergeAll(bus, catalog, planner, runner, registry, policy, base)),
    Layer.provide(recovered)
  )
}
