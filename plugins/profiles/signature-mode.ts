/**
 * @module
 * The signature mode a profile puts in force under a policy, as the
 * profile answers an `oci.signature` request. A profile that says nothing
 * about signatures (a custom plugin without an answer) gets the policy's
 * `verify_signatures`, else `required`: silence never weakens verification.
 */
import type { Policy, ProfilePlugin } from "../../core/mod.ts"
import type { SignatureMode } from "../sources/oci/signature-mode-type.ts"
import { SignatureMode as SignatureModeSchema } from "../sources/oci/signature-mode-type.ts"
import { Schema } from "../../core/mod.ts"

const isMode = Schema.is(SignatureModeSchema)

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
