/**
 * @module
 * The `process` executor: runs steps as host processes, no isolation. Each
 * step runs in the job directory with a clean environment unless the
 * profile lets the host environment through, contained so that nothing it
 * starts outlives it: in a PID namespace of its own where bubblewrap can
 * make one, else in its own session and process group (see
 * `containment.ts`). `plugin.ts` is the light definition an engine
 * registers.
 *
 * @example
 * ```ts
 * import { makeProcessExecutor } from "./plugins/executors/process/mod.ts"
 * const executor = makeProcessExecutor({ killGraceMs: 2000 })
 * ```
 */
export { makeProcessExecutor, type Options } from "./process-executor.ts"
export { processExecutor, processExecutorPlugin } from "./plugin.ts"
