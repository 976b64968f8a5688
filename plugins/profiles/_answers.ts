/**
 * @module
 * How the built-in profiles answer the admission requests of the built-in
 * plugins (`oci.registry`, `oci.signature`). Each profile passes its own
 * rules; requests of other kinds get no opinion (`undefined`), which leaves
 * the asking plugin's strict default in force.
 */
import type { AdmissionRequest, Decision } from "../../core/mod.ts"
// The OCI plugin declares the oci.* requests into AdmissionRequests (plugins/sources/oci/admission-requests.ts);
// profiles import nothing of it, so the OCI plugin may use their registry matching without a cycle.
import { registryListed } from "./_registry.ts"

/** The signature mode as the decision that encodes it: deny → required, warn → permissive, allow → disabled. */
const signatureDecision = {
  required: "deny",
  permissive: "warn",
  disabled: "allow"
} as const

/** One profile's rules for the built-in requests. */
export interface ProfileRules {
  readonly name: string
  /** Whether `registry` is admitted under `allowed` (the policy's `allowed_registries`, undefined when unset), and why. */
  readonly registry: (registry: string, allowed: ReadonlyArray<string> | undefined) => { readonly allowed: boolean; readonly reason: string }
  /** The signature mode when the policy's `verify_signatures` is unset. */
  readonly signatures: "required" | "permissive" | "disabled"
  /** True: the policy's `verify_signatures` is ignored (the profile decides alone). */
  readonly signaturesFixed?: boolean
}

/**
 * The `admit` hook of a built-in profile.
 *
 * @since 0.2.0
 * @category constructors
 */
export function admitWith(rules: ProfileRules): (request: AdmissionRequest) => Decision | undefined {
  return (request) => {
    switch (request.kind) {
      case "oci.registry": {
        const { allowed, reason } = rules.registry(request.registry, request.allowed)
        return allowed
          ? { decision: "allow", subject: request.registry, code: "image.registry.allowed", reason, profile: rules.name }
          : { decision: "deny", subject: request.registry, code: "image.registry.not.allowed", reason, profile: rules.name }
      }
      case "oci.signature": {
        const mode = rules.signaturesFixed === true ? rules.signatures : request.configured ?? rules.signatures
        return { decision: signatureDecision[mode], subject: request.image, code: `image.signature.${mode}`, reason: `signatures ${mode}`, profile: rules.name }
      }
      default:
        return undefined
    }
  }
}

/** `registryListed`, for rules. */
export const listed = (registry: string, allowed: ReadonlyArray<string>) => registryListed(registry, allowed)
