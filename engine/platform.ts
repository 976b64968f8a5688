/**
 * @module
 * The platform services an engine gives its plugins (`PlatformServices`:
 * `FileSystem`, `Path`, `CommandExecutor`, `HttpClient`). The choice of
 * implementation is made here, never in `core/`, which sees only the
 * abstract services so another runtime can stand in.
 *
 * - `FileSystem`, `Path`, `CommandExecutor`: `@effect/platform-node`'s, which
 *   run on Node and on Deno (through its `node:` modules).
 * - `HttpClient`: `FetchHttpClient` over the runtime's own `fetch`, the same
 *   on Node and Deno; a plugin needing pools or TLS knobs (the OCI registry
 *   client) keeps its own transport inside its `make`.
 *
 * The modules are imported when the layer is built, not when this file is
 * imported; and the engine builds it only when a plugin's `make` first
 * needs it (`layerEnginePlatform`), so a command that builds no plugin
 * loads none of them.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layerPluginPlatform, type PlatformServices, type PluginPlatform } from "../core/mod.ts"

/**
 * The platform services on Node and Deno.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerPlatform: Layer.Layer<PlatformServices> = Layer.unwrapEffect(
  // A failed import of our own dependencies is a broken install, not an input error: a defect.
  Effect.promise(async () => {
    const [fs, path, command, http] = await Promise.all([
      import("@effect/platform-node/NodeFileSystem"),
      import("@effect/platform-node/NodePath"),
      import("@effect/platform-node/NodeCommandExecutor"),
      import("@effect/platform/FetchHttpClient")
    ])
    return Layer.mergeAll(command.layer.pipe(Layer.provideMerge(fs.layer)), path.layer, http.layer)
  })
)

/**
 * The platform services as the engine takes them: built at the first
 * plugin build, once per engine.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerEnginePlatform: Layer.Layer<PluginPlatform> = layerPluginPlatform(layerPlatform)
