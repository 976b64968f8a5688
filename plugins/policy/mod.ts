/**
 * @module
 * The policy bundle (DESIGN §6): reading the policy file (`--policy`,
 * `FLWD_POLICY_FILE`, `./flwd.policy.yaml`) against the Schema the
 * engine's plugins assemble, the check of core's keys, and the effective
 * policy `flwd :policy show` prints. An invalid policy is a
 * `policy.invalid` problem naming each failing field.
 *
 * @example
 * ```ts
 * import * as Either from "effect/Either"
 * import { assembleContributions } from "./core/mod.ts"
 * import { builtinPlugins } from "./engine/builtin-plugins.ts"
 * import { checkPolicy, loadPolicyFile } from "./plugins/policy/mod.ts"
 *
 * const schema = Either.getOrThrow(assembleContributions(builtinPlugins)).policy
 * const { policy, path } = loadPolicyFile("flwd.policy.yaml", ".", schema)
 * await checkPolicy(policy, { policyDir: ".", file: path })
 * ```
 */
export { type LoadedPolicy, loadPolicyFile } from "./load-policy-file.ts"
export { policyProblems } from "./validate-policy.ts"
export { checkPolicy, type CheckPolicyOptions } from "./check-policy.ts"
export { type EffectivePolicy, effectivePolicy, type EffectivePolicyInput, type ProfileView, type TrustKeyView } from "./effective-policy.ts"
