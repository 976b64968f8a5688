/**
 * @module
 * The policy bundle (DESIGN §6): reading the policy file (`--policy`,
 * `FLWD_POLICY_FILE`, `./flwd.policy.yaml`), the checks its Schema cannot
 * express (registry entries, ceilings), the whole-policy check an engine
 * makes before it starts (trust material included), and the effective
 * policy `flwd :policy show` prints. An invalid policy is a
 * `policy.invalid` problem naming each failing field.
 *
 * @example
 * ```ts
 * import { checkPolicy, loadPolicyFile } from "./plugins/policy/mod.ts"
 *
 * const { policy, path } = loadPolicyFile("flwd.policy.yaml")
 * await checkPolicy(policy, { policyDir: ".", file: path })
 * ```
 */
export { type LoadedPolicy, loadPolicyFile } from "./load-policy-file.ts"
export { policyProblems } from "./validate-policy.ts"
export { checkPolicy, type CheckPolicyOptions } from "./check-policy.ts"
export { type EffectivePolicy, effectivePolicy, type EffectivePolicyInput, type ProfileView, type TrustKeyView } from "./effective-policy.ts"
