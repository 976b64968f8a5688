/**
 * @module
 * `createEngine`: the engine layer (`layerEngine(options)`) built for a program
 * that holds it with Promises — the CLI, the server, embedding programs,
 * tests.
 */
import * as Context from "effect/Context"
import { EngineInfo } from "./engine-info.ts"
import type { EngineHandle } from "./handle.ts"
import { layerEngine } from "./layer.ts"
import { openRuntime } from "./open-runtime.ts"
import type { EngineOptions } from "./options.ts"

/**
 * Starts an engine: reads the config file, loads plugin modules, builds the
 * engine and reconciles the declared sources. Rejects with the tagged error
 * (`config.invalid`, `policy.invalid`, `plugin.invalid`, `store.failed`)
 * when it cannot start, with everything it opened closed; a declared source
 * that fails to load does not stop it (see `reconciled`).
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
  const opened = await openRuntime(layerEngine(options))
  const info = Context.get(opened.runtime.context, EngineInfo)
  return {
    runtime: opened.runtime,
    run: opened.run,
    settings: info.settings,
    plugins: info.plugins,
    config: info.config,
    reconciled: info.reconciled,
    heldLeases: () => opened.run(info.heldLeases()),
    dispose: opened.dispose
  }
}
