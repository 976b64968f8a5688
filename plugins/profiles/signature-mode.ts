/**
 * @module
 * The signature mode a profile puts in force under a policy. A profile
 * that says nothing about signatures (a custom plugin without
 * `signatureMode`) gets the policy's `verify_signatures`, else `required`:
 * silence never weakens verification.
 */
import type { Policy, ProfilePlugin, SignatureMode } from "../../core/mod.ts"

/**
 * @since 0.1.0
 * @category utils
 */
export function signatureModeOf(profile: ProfilePlugin, policy: Policy): SignatureMode {
  return profile.signatureMode?.(policy) ?? policy.verify_signatures ?? "required"
}
