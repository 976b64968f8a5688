/**
 * @module
 * The whole-policy check an engine makes before it starts: the checks of
 * `policyProblems` (also for a policy given as a value, which no file
 * loader saw) and the trust section — every key parsed, every keyless
 * identity compiled, the trusted root read — so a bad key stops the start
 * instead of failing the first verification.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { ConfigError, type Policy } from "../../core/mod.ts"
import { policyProblems } from "./validate-policy.ts"

/**
 * Where the policy came from: relative trust paths resolve against
 * `policyDir`; `file` is named in the error.
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
 * Resolves when `policy` is usable; rejects with `ConfigError`
 * `policy.invalid` listing each failing field otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function checkPolicy(policy: Policy, options: CheckPolicyOptions): Promise<void> {
  const where = options.file != null ? `policy file ${options.file}` : "policy"
  const problems = policyProblems(policy)
  if (problems.length > 0) throw new ConfigError({ code: "policy.invalid", detail: `Invalid ${where}`, errors: problems })
  if (policy.trust === undefined) return
  // Imported only for a policy with a trust section: the verifier pulls in
  // the OCI client, which most starts never need.
  const { loadTrustPolicy } = await import("../trust/mod.ts")
  const loaded = await Effect.runPromise(Effect.either(loadTrustPolicy(policy, options.policyDir)))
  if (Either.isLeft(loaded)) {
    const e = loaded.left
    throw new ConfigError({
      code: "policy.invalid",
      detail: `Invalid ${where}: ${e.summary}`,
      errors: e.errors ?? [{ path: "trust", message: e.detail }],
      cause: e
    })
  }
}
