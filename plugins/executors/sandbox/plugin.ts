/**
 * @module
 * The `sandbox` executor's definition: its policy section (`ceilings`) and
 * a `make` that imports the implementation — bubblewrap arguments, cgroups,
 * the capability probe — only when an engine first runs or plans a
 * sandboxed job. Each engine builds its own executor from its own policy,
 * so two engines never share a probe or ceilings.
 */
import { defineExecutorPlugin, Effect, type ExecutorPlugin, parseDuration, PluginEnv } from "../../../core/mod.ts"
import { ceilingsOf, sandboxPolicy } from "./ceilings-policy.ts"
import type { Options } from "./sandbox-executor.ts"

/**
 * The sandbox executor plugin; `options` are fixed for every engine
 * (ceilings in `options` win over the policy's).
 *
 * @since 0.2.0
 * @category constructors
 */
export function sandboxExecutorPlugin(options: Options = {}): ExecutorPlugin {
  return defineExecutorPlugin({
    kind: "sandbox",
    policy: sandboxPolicy,
    make: Effect.gen(function* () {
      const env = yield* PluginEnv
      const ceilings = ceilingsOf(env.policy)
      const { makeSandboxExecutor } = yield* Effect.promise(() => import("./sandbox-executor.ts"))
      const impl = makeSandboxExecutor({
        killGraceMs: env.killGraceMs,
        ...options,
        ...(ceilings !== undefined || options.ceilings !== undefined ? { ceilings: { ...ceilings, ...options.ceilings } } : {})
      })
      // A sandboxed run never outlasts the policy's ceilings.timeout.
      const ceiling = ceilings?.timeout !== undefined ? parseDuration(ceilings.timeout) : undefined
      return { ...impl, timeoutCeilingMs: () => ceiling }
    })
  })
}

/**
 * The sandbox executor with default options.
 *
 * @since 0.1.0
 * @category plugins
 */
export const sandboxExecutor: ExecutorPlugin = sandboxExecutorPlugin()
