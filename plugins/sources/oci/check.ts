/**
 * @module
 * The OCI plugin's `check` hook: what the policy Schema cannot say about
 * the plugin's section, checked when the engine starts so a bad entry stops
 * the start instead of failing the first pull — registry and blob host
 * entries are exact `host[:port]` names (DESIGN §6), `pull_timeout` is a
 * positive duration, and every trusted key parses, every keyless identity
 * compiles and the trusted root reads.
 */
import * as Effect from "effect/Effect"
import { type CheckContext, type FieldError, parseDuration, PolicyError } from "../../../core/mod.ts"
import { registryEntryProblem } from "../../profiles/mod.ts"
import { ociPolicyOf } from "./policy-section.ts"

function registries(field: string, list: ReadonlyArray<string> | undefined): Array<FieldError> {
  return (list ?? []).flatMap((entry, i) => {
    const problem = registryEntryProblem(entry)
    return problem === null ? [] : [{ path: `${field}[${i}]`, message: problem }]
  })
}

/**
 * Fails with `policy.invalid` naming every bad field of the OCI section.
 *
 * @since 0.2.0
 * @category constructors
 */
export function checkOciPolicy(ctx: CheckContext): Effect.Effect<void, PolicyError> {
  return Effect.gen(function* () {
    const policy = ociPolicyOf(ctx.policy)
    const where = ctx.policyFile != null ? `policy file ${ctx.policyFile}` : "policy"
    const errors = [
      ...registries("allowed_registries", policy.allowed_registries),
      ...registries("insecure_registries", policy.insecure_registries),
      ...registries("blob_hosts", policy.blob_hosts),
      ...(policy.pull_timeout !== undefined && !((parseDuration(policy.pull_timeout) ?? 0) > 0)
        ? [{ path: "pull_timeout", message: `${JSON.stringify(policy.pull_timeout)} is not a duration such as 120s or 5m` }]
        : [])
    ]
    if (errors.length > 0) return yield* new PolicyError({ code: "policy.invalid", detail: `Invalid ${where}`, errors })
    if (policy.trust === undefined) return
    // Imported only for a policy with a trust section: the verifier pulls in the OCI client and sigstore.
    const { loadTrustPolicy } = yield* Effect.promise(() => import("../../trust/mod.ts"))
    yield* loadTrustPolicy(policy, ctx.policyDir ?? process.cwd()).pipe(
      Effect.mapError((e) =>
        new PolicyError({
          code: "policy.invalid",
          detail: `Invalid ${where}: ${e.summary}`,
          errors: e.errors ?? [{ path: "trust", message: e.detail }],
          cause: e
        })
      )
    )
  })
}
