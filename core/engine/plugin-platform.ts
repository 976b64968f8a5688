/**
 * @module
 * The platform services plugins build with (`PlatformServices`), handed
 * to the engine as a Layer and built the first time a plugin's `make`
 * needs them, once per engine, in the engine's Scope. A start that builds
 * no plugin (a command over local job trees) loads none of their modules;
 * which implementation is used is the entrypoint's choice (engine/), never
 * core's.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { PlatformServices } from "../plugin.ts"

/**
 * @since 0.2.0
 * @category tags
 */
export class PluginPlatform extends Context.Tag("flwd/engine/PluginPlatform")<PluginPlatform, {
  /** The services: built at the first call, shared by the later ones. */
  readonly context: Effect.Effect<Context.Context<PlatformServices>>
}>() {}

/**
 * A `PluginPlatform` over `platform`, built at first use in the Scope of
 * this layer.
 *
 * @since 0.2.0
 * @category layers
 */
export function layerPluginPlatform(platform: Layer.Layer<PlatformServices>): Layer.Layer<PluginPlatform> {
  return Layer.scoped(
    PluginPlatform,
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const context = yield* Effect.cached(Layer.buildWithScope(platform, scope))
      return { context }
    })
  )
}
