/**
 * @module
 * The admission questions the OCI source plugin asks the profile in force
 * (declared into core's `AdmissionRequests` by declaration merging). Each
 * carries the policy values the question is about, so a profile decides
 * without parsing the plugin's policy section. A profile that answers
 * `undefined` leaves the plugin's strict default in force: the registry must
 * be listed, signatures are required.
 */
import type { SignatureMode } from "./signature-mode-type.ts"

/**
 * The OCI plugin's admission questions, by kind (also merged into core's map below).
 *
 * @since 0.2.0
 * @category models
 */
export interface OciAdmissionRequests {
  readonly "oci.registry": { readonly registry: string; readonly allowed: ReadonlyArray<string> | undefined }
  readonly "oci.signature": { readonly image: string; readonly configured: SignatureMode | undefined }
}

declare module "../../../core/plugin.ts" {
  interface AdmissionRequests {
    /** May images be pulled from `registry`? `allowed` is the policy's `allowed_registries` (undefined: unset). */
    "oci.registry": { readonly registry: string; readonly allowed: ReadonlyArray<string> | undefined }
    /**
     * Which signature mode applies to `image`? `configured` is the policy's
     * `verify_signatures` (undefined: unset). The answer's decision maps to
     * the mode: deny → required, warn → permissive, allow → disabled.
     */
    "oci.signature": { readonly image: string; readonly configured: SignatureMode | undefined }
  }
}
