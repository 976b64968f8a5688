/**
 * @module
 * The plugin API: the domain types, errors, plugin interfaces and engine
 * services that plugins and embedding programs build on. Built-in plugins
 * import from here exactly as third-party plugins do.
 *
 * @example
 * ```ts
 * import { defineSourcePlugin, Schema, Effect } from "flwd"
 *
 * export default defineSourcePlugin({
 *   type: "static",
 *   spec: Schema.Struct({ type: Schema.Literal("static"), name: Schema.String }),
 *   make: Effect.succeed({
 *     load: () => Effect.succeed({ root: "/", jobs: [], diagnostics: [], provenance: {} })
 *   })
 * })
 * ```
 */
export * from "./domain/argspec.ts"
export * from "./domain/duration.ts"
export * from "./domain/errors.ts"
export * from "./domain/caught.ts"
export * from "./domain/job.ts"
export * from "./domain/plan.ts"
export * from "./domain/policy.ts"
export * from "./domain/run.ts"
export * from "./domain/source.ts"
export * from "./plugin.ts"
export { checkArgSpec, compileArgSpec } from "./engine/args.ts"
export { publicArgSpec, publicJob, redactArgs, SECRET_MASK } from "./engine/public-view.ts"
export type { CompiledArgs } from "./engine/args.ts"
export { EngineConfig, type EngineSettings } from "./engine/config.ts"
export { Engine, type IdempotentRun, type JobView, type SourceChange } from "./engine/engine.ts"
export { engineLayer, type EngineLayerOptions } from "./engine/engine-live.ts"
export { EventBus, type FollowOptions } from "./engine/event-bus.ts"
export { JobCatalog } from "./engine/job-catalog.ts"
export { Planner } from "./engine/planner.ts"
export { type BuiltSource, Plugins } from "./engine/plugins.ts"
export { PluginEnv, type PluginEnvironment } from "./engine/plugin-env.ts"
export { LEASE_TTL_MS, type Leases, makeLeases } from "./engine/leases.ts"
export { layerPluginPlatform, PluginPlatform } from "./engine/plugin-platform.ts"
export { PolicyEngine } from "./engine/policy-engine.ts"
export { type ResolvedPlan, Runner } from "./engine/runner.ts"
export { SourceRegistry } from "./engine/source-registry.ts"
export {
  type CancelRequest,
  type ClaimedRun,
  type Dispatch,
  type EventQuery,
  type IdempotencyRecord,
  type InsertRunOptions,
  type RunFilter,
  type RunPage,
  type RunQueue,
  Store,
  type StoreSignal
} from "./engine/store.ts"
export { pageLimit, storeFailure } from "./engine/store-failure.ts"
export { fieldErrors } from "./engine/_spec.ts"
export { assembleContributions, type AssembledContributions } from "./engine/contributions.ts"
export { defineExecutorPlugin, defineProfilePlugin, defineSourcePlugin } from "./define.ts"
export { maskCredentials, provenance, sourceError, type SourceErrorOptions, type SourceProblemCode, sourceSpec } from "./define.ts"
export * as Effect from "effect/Effect"
export * as Layer from "effect/Layer"
export * as Schema from "effect/Schema"
export * as Scope from "effect/Scope"
export * as Stream from "effect/Stream"
