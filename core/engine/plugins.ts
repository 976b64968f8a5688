/**
 * @module
 * The plugins of one engine, looked up by kind name. A plugin's `make` runs
 * at the first use of its kind — once per engine, concurrent first uses
 * sharing one build — in a Scope forked from the engine's, so what it
 * acquires is released when the engine is. A build that fails is reported
 * as `plugin.invalid` (its partial resources released) and tried again at
 * the next use. The built implementations live in this service, never in a
 * module: two engines in one process build their own.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import { PluginError, type ProblemTable } from "../domain/errors.ts"
import type { Policy } from "../domain/policy.ts"
import type { ExecutorImpl, ExecutorPlugin, MakeServices, PlatformServices, PluginSet, ProfilePlugin, SourceImpl, SourcePlugin } from "../plugin.ts"
import { EngineConfig } from "./config.ts"
import { assembleContributions } from "./contributions.ts"
import { makeLeases } from "./leases.ts"
import { PluginEnv } from "./plugin-env.ts"
import { PluginPlatform } from "./plugin-platform.ts"
import { Store } from "./store.ts"

/** A source plugin's definition with its built implementation. */
export interface BuiltSource {
  readonly plugin: SourcePlugin<any, any>
  readonly impl: SourceImpl<any, any>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Plugins extends Context.Tag("flwd/engine/Plugins")<Plugins, {
  /** The definition for a source type (or alias): enough to decode a spec, builds nothing. */
  readonly sourcePlugin: (type: string) => SourcePlugin<any, any> | undefined
  /** The source plugin for a type with its implementation, built at the first call. */
  readonly source: (type: string) => Effect.Effect<BuiltSource | undefined, PluginError>
  readonly profile: (name: string) => ProfilePlugin | undefined
  /** The executor of a kind, built at the first call. */
  readonly executor: (kind: string) => Effect.Effect<ExecutorImpl | undefined, PluginError>
  readonly profiles: ReadonlyArray<ProfilePlugin>
  readonly sourceTypes: ReadonlyArray<string>
  /** The executor of jobs that name none; undefined when the set names none. */
  readonly defaultExecutor: string | undefined
  /** Every plugin of the set, for generic hooks (`check`, `gc`). */
  readonly set: PluginSet
  /** Core's problem codes plus every plugin's. */
  readonly problems: ProblemTable
  /** The policy file's Schema: core's keys plus every plugin's section. */
  readonly policySchema: Schema.Schema<Policy, unknown>
}>() {}

/**
 * Builds the Plugins service from a plugin set; two plugins claiming one
 * kind name, policy key or problem code is an error naming both.
 *
 * @since 0.1.0
 * @category layers
 */
export function layerPlugins(set: PluginSet): Layer.Layer<Plugins, PluginError, PluginPlatform | EngineConfig | Store> {
  return Layer.scoped(
    Plugins,
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const config = yield* EngineConfig
      const env = {
        dataDir: config.dataDir,
        policy: config.policy,
        killGraceMs: config.killGraceMs,
        // Plugins lease what they write in the engine's store, renewed until the engine closes.
        leases: yield* makeLeases(yield* Store),
        ...(config.policyDir !== undefined ? { policyDir: config.policyDir } : {}),
        ...(config.policyFile !== undefined ? { policyFile: config.policyFile } : {})
      }
      // Built when a first make needs it: an engine that builds no plugin loads no platform module.
      const platform = Effect.map((yield* PluginPlatform).context, (services) => Context.add(services, PluginEnv, env))
      const sources = new Map<string, SourcePlugin<any, any>>()
      const profiles = new Map<string, ProfilePlugin>()
      const executors = new Map<string, ExecutorPlugin>()
      const claim = <P>(map: Map<string, P>, kind: string, name: string, plugin: P) =>
        map.has(name)
          ? Effect.fail(new PluginError({ code: "plugin.invalid", detail: `Two ${kind} plugins claim "${name}"` }))
          : Effect.sync(() => void map.set(name, plugin))
      for (const p of set.sources) {
        for (const name of [p.type, ...(p.aliases ?? [])]) yield* claim(sources, "source", name, p)
      }
      for (const p of set.profiles) yield* claim(profiles, "profile", p.name, p)
      for (const p of set.executors) yield* claim(executors, "executor", p.kind, p)
      const assembled = yield* Either.match(assembleContributions(set), { onLeft: Effect.fail, onRight: Effect.succeed })

      // One builder per plugin object (aliases share it), held by this engine only.
      const builders = new Map<object, Effect.Effect<unknown, PluginError>>()
      const builderOf = <A>(plugin: { readonly make: Effect.Effect<A, PluginError, MakeServices> }, what: string, check: (impl: A) => string | null) => {
        let builder = builders.get(plugin) as Effect.Effect<A, PluginError> | undefined
        if (builder === undefined) {
          builder = buildOnce(plugin.make, what, check, scope, platform)
          builders.set(plugin, builder)
        }
        return builder
      }

      return {
        sourcePlugin: (type: string) => sources.get(type),
        source: (type: string) => {
          const plugin = sources.get(type)
          if (plugin === undefined) return Effect.succeed(undefined)
          return Effect.map(builderOf(plugin, `source type "${plugin.type}"`, checkSourceImpl), (impl) => ({ plugin, impl }))
        },
        profile: (name: string) => profiles.get(name),
        executor: (kind: string) => {
          const plugin = executors.get(kind)
          return plugin === undefined ? Effect.succeed(undefined) : builderOf(plugin, `executor "${kind}"`, checkExecutorImpl)
        },
        profiles: [...profiles.values()],
        sourceTypes: [...sources.keys()],
        defaultExecutor: set.defaultExecutor,
        set,
        problems: assembled.problems,
        policySchema: assembled.policy
      }
    })
  )
}

const isFunction = (u: unknown) => typeof u === "function"

function checkSourceImpl(impl: SourceImpl<unknown, unknown>): string | null {
  if (typeof impl !== "object" || impl === null) return "make must succeed with an object ({ load, resolve?, release?, redact? })"
  if (!isFunction(impl.load)) return "the implementation has no load function"
  for (const key of ["resolve", "release", "redact"] as const) {
    if (impl[key] !== undefined && !isFunction(impl[key])) return `the implementation's ${key} must be a function`
  }
  return null
}

function checkExecutorImpl(impl: ExecutorImpl): string | null {
  if (typeof impl !== "object" || impl === null) return "make must succeed with an object ({ preview, execute })"
  if (!isFunction(impl.preview) || !isFunction(impl.execute)) return "the implementation needs preview and execute functions"
  return null
}

/**
 * Runs `make` at most once at a time; its success is kept, its failure is
 * not. Each attempt gets a Scope forked from the engine's: closed at once
 * when the attempt fails, with the engine's otherwise.
 */
function buildOnce<A>(
  make: Effect.Effect<A, PluginError, MakeServices>,
  what: string,
  check: (impl: A) => string | null,
  engineScope: Scope.Scope,
  platform: Effect.Effect<Context.Context<PlatformServices | PluginEnv>>
): Effect.Effect<A, PluginError> {
  let built: { readonly impl: A } | undefined
  const lock = Effect.unsafeMakeSemaphore(1)
  const invalid = (detail: string, cause?: unknown) =>
    new PluginError({ code: "plugin.invalid", detail: `Cannot build the plugin for ${what}: ${detail}`, ...(cause !== undefined ? { cause } : {}) })
  const attempt = Effect.gen(function* () {
    const scope = yield* Scope.fork(engineScope, ExecutionStrategy.sequential)
    const exit = yield* Effect.flatMap(platform, (services) => Effect.provide(Scope.extend(Effect.suspend(() => make), scope), services)).pipe(
      Effect.catchAllDefect((defect) => Effect.fail(invalid(defect instanceof Error ? defect.message : String(defect), defect))),
      Effect.flatMap((impl) => {
        const problem = check(impl)
        return problem === null ? Effect.succeed(impl) : Effect.fail(invalid(problem))
      }),
      Effect.mapError((e) => e.code === "plugin.invalid" ? e : invalid(e.detail, e)),
      Effect.exit
    )
    if (Exit.isFailure(exit)) yield* Scope.close(scope, exit)
    return yield* exit
  })
  return lock.withPermits(1)(Effect.suspend(() => {
    if (built !== undefined) return Effect.succeed(built.impl)
    return Effect.tap(attempt, (impl) => Effect.sync(() => void (built = { impl })))
  }))
}
