/**
 * @module
 * The `process` executor's definition: a `make` that imports the
 * implementation when an engine first plans or runs a job on the host, with
 * the engine's stop grace. Each engine probes containment on its own.
 */
import { defineExecutorPlugin, Effect, type ExecutorPlugin, PluginEnv } from "../../../core/mod.ts"
import type { Options } from "./process-executor.ts"

/**
 * The process executor plugin; `options` are fixed for every engine.
 *
 * @since 0.2.0
 * @category constructors
 */
export function processExecutorPlugin(options: Options = {}): ExecutorPlugin {
  return defineExecutorPlugin({
    kind: "process",
    make: Effect.gen(function* () {
      const env = yield* PluginEnv
      const { makeProcessExecutor } = yield* Effect.promise(() => import("./process-executor.ts"))
      return makeProcessExecutor({ killGraceMs: env.killGraceMs, ...options })
    })
  })
}

/**
 * The process executor with default options.
 *
 * @since 0.1.0
 * @category plugins
 */
export const processExecutor: ExecutorPlugin = processExecutorPlugin()
