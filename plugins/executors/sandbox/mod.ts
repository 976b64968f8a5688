/**
 * @module
 * The `sandbox` executor (DESIGN §5): runs each step inside bubblewrap over
 * the job's rootfs — an add-on's unpacked image, or a minimal read-only set
 * of host directories for a local job that opts in with `executor: sandbox`.
 * What is isolated, per profile, is documented in `docs/sandbox.md`.
 *
 * `plugin.ts` is the light definition an engine registers; this module also
 * exports the implementation and its probes (importing it loads them).
 *
 * @example
 * ```ts
 * import { makeSandboxExecutor } from "./plugins/executors/sandbox/mod.ts"
 * const executor = makeSandboxExecutor({ killGraceMs: 2000, ceilings: { memory: "512Mi" } })
 * ```
 */
export { makeSandboxExecutor, type Options } from "./sandbox-executor.ts"
export { sandboxExecutor, sandboxExecutorPlugin } from "./plugin.ts"
export { ceilingsOf, CeilingsPolicy, sandboxPolicy } from "./ceilings-policy.ts"
export { type Capabilities, detectCgroups, detectSandbox } from "./detect.ts"
export { type Enforcement, enforcementOf } from "./cgroups.ts"
export { DEFAULT_CEILINGS } from "./limits.ts"
export { addonRootfsOf, HOST_ROOTFS } from "./rootfs.ts"
export { SANDBOX_PATHS } from "./environment.ts"
export type { Ceilings } from "./limits.ts"
