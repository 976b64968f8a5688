/**
 * @module
 * The check of core's part of a policy an engine makes before it starts,
 * also for a policy given as a value, which no file loader saw. Each
 * plugin checks its own section with its `check` hook (the OCI plugin's
 * reads the trust material), which the engine runs after this.
 */
import { ConfigError, type Policy } from "../../core/mod.ts"
import { policyProblems } from "./validate-policy.ts"

/**
 * Where the policy came from: `file` is named in the error.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckPolicyOptions {
  readonly policyDir: string
  /** The policy file, when there is one. Default: none (a policy given as a value). */
  readonly file?: string | null
}

/**
 * Resolves when core's part of `policy` is usable; rejects with
 * `ConfigError` `policy.invalid` listing each failing field otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function checkPolicy(policy: Policy, options: CheckPolicyOptions): Promise<void> {
  const where = options.file != null ? `policy file ${options.file}` : "policy"
  const problems = policyProblems(policy)
  if (problems.length > 0) throw new ConfigError({ code: "policy.invalid", detail: `Invalid ${where}`, errors: problems })
}
