/**
 * @module
 * Reading the policy file alone: the light entry of the policy library for
 * the engine's start, which must not load what `plugins/policy/mod.ts`
 * also offers for `flwd :policy show` (the effective policy, which reads
 * every plugin's section through its owner's module).
 *
 * @example
 * ```ts
 * import { loadPolicyFile } from "./plugins/policy/load/mod.ts"
 * ```
 */
export { type LoadedPolicy, loadPolicyFile } from "../load-policy-file.ts"
