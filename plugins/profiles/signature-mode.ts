/**
 * @module
 * The signature mode a profile puts in force under a policy, as the
 * profile answers an `oci.signature` request. A profile that says nothing
 * about signatures (a custom plugin without an answer) gets the policy's
 * `verify_signatures`, else `required`: silence never weakens verification.
 */
import type { Policy, ProfilePlugin } from "../../core/mod.ts"

/** The policy's `verify_signatures` values (the OCI plugin's section), spelled here so profiles import nothing of it. */
type SignatureMode = "required" | "permissive" | "disabled"

const modes: ReadonlyArray<unknown> = ["required", "permissive", "disabled"] satisfies ReadonlyArray<SignatureMode>
const isMode = (u: unknown): u is SignatureMode => modes.includes(u)

/**
 * @since 0.1.0
 * @category utils
 */
export function signatureModeOf(profile: ProfilePlugin, policy: Policy, image = ""): SignatureMode {
  const configured = isMode(policy.verify_signatures) ? policy.verify_signatures : undefined
  const answer = profile.admit?.({ kind: "oci.signature", image, configured }, policy)
  if (answer === undefined) return configured ?? "required"
  return answer.decision === "deny" ? "required" : answer.decision === "warn" ? "permissive" : "disabled"
}
