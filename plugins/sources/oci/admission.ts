/**
 * @module
 * Admission of an add-on before anything is fetched (DESIGN §5 steps 1 and
 * 3): the source must be trusted explicitly and the profile must admit the
 * registry. What comes out is the signature mode in force, which
 * `verify.ts` applies once the reference is resolved to a digest (step 5).
 * Every decision is journaled.
 */
import * as Effect from "effect/Effect"
import { type Decision, type Policy, type ProfilePlugin, type SourceContext, SourceError } from "../../../core/mod.ts"
import type { ImageReference } from "../../oci/mod.ts"
import { ociProblem } from "../../oci/problems/mod.ts"
import { registryListed } from "../../profiles/mod.ts"
import type { DiscoveryReport } from "../../trust/mod.ts"
import type { OciAdmissionRequests } from "./admission-requests.ts"
import { ociPolicyOf } from "./policy-section.ts"
import type { SignatureMode } from "./signature-mode-type.ts"

/**
 * What is known about an image's signature, kept in provenance (and so in
 * every plan and run of the source's jobs).
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageTrust {
  readonly mode: SignatureMode
  readonly verified: boolean
  /** `key:<name>` or `<certificate subject> (<issuer>)`; null when not verified. */
  readonly signer: string | null
  readonly reason: string
  /** Which discovery paths were tried and what each found. Absent when nothing was checked. */
  readonly discovery?: DiscoveryReport
}

/**
 * The profile's answer for `registry` (an `oci.registry` admission
 * request). A profile with no opinion leaves the strict default in force:
 * the registry must be listed in `allowed_registries`.
 *
 * @since 0.1.0
 * @category utils
 */
export function registryDecision(profile: ProfilePlugin, policy: Policy, registry: string): Decision {
  const allowed = ociPolicyOf(policy).allowed_registries
  const request: OciAdmissionRequests["oci.registry"] & { readonly kind: "oci.registry" } = { kind: "oci.registry", registry, allowed }
  const decision = profile.admit?.(request, policy) ?? (
    allowed !== undefined && registryListed(registry, allowed)
      ? { decision: "allow" as const, subject: registry, code: "image.registry.allowed", reason: "listed in allowed_registries", profile: profile.name }
      : {
        decision: "deny" as const,
        subject: registry,
        code: "image.registry.not.allowed",
        reason: `registry ${registry} is not listed in allowed_registries`,
        profile: profile.name
      }
  )
  // A plugin's decision is journaled as a whole: make sure it names its profile.
  return { ...decision, profile: decision.profile ?? profile.name }
}

/**
 * The signature mode the profile puts in force for `image` (an
 * `oci.signature` admission request: deny → required, warn → permissive,
 * allow → disabled). No opinion: the policy's `verify_signatures`, else
 * `required`.
 *
 * @since 0.2.0
 * @category utils
 */
export function signatureModeFor(profile: ProfilePlugin, policy: Policy, image: string): SignatureMode {
  const configured = ociPolicyOf(policy).verify_signatures
  const request: OciAdmissionRequests["oci.signature"] & { readonly kind: "oci.signature" } = { kind: "oci.signature", image, configured }
  const answer = profile.admit?.(request, policy)
  if (answer === undefined) return configured ?? "required"
  return answer.decision === "deny" ? "required" : answer.decision === "warn" ? "permissive" : "disabled"
}

/** Where to list a registry: the policy file in force, by name, or the news that there is none. */
function policyFileHint(file: string | null | undefined): string {
  if (file === undefined) return "list it in the policy's allowed_registries"
  if (file === null) return "no policy file is in force: write one with allowed_registries and pass it with --policy or FLWD_POLICY_FILE"
  return `list it in allowed_registries of the policy file in force, ${file}`
}

/**
 * Checks `trusted` and the registry; fails with `source.trust.required` or
 * `image.registry.not.allowed`. Returns the signature mode the profile puts
 * in force. Refusals are always journaled; admissions unless
 * `journalAllow` is false.
 *
 * @since 0.1.0
 * @category constructors
 */
export function admit(
  trusted: boolean | undefined,
  ref: ImageReference,
  ctx: SourceContext,
  options: { readonly journalAllow?: boolean } = {}
): Effect.Effect<SignatureMode, SourceError> {
  return Effect.gen(function* () {
    if (trusted !== true) {
      // A refusal is a decision like any other: journaled (and counted) before the add fails.
      yield* ctx.decide({
        decision: "deny",
        subject: ref.normalized,
        code: "source.trust.required",
        reason: `the source is not trusted explicitly ("trusted": true); it would run code from ${ref.normalized}`,
        profile: ctx.profile.name
      })
      return yield* new SourceError({
        code: "source.trust.required",
        detail: `Source ${ctx.name}: an OCI add-on runs code from ${ref.normalized}; add it with "trusted": true to trust it explicitly`,
        errors: [{ path: "trusted", message: "must be true for an oci source" }]
      })
    }
    const registry = registryDecision(ctx.profile, ctx.policy, ref.registry)
    // A gate before the network (resolve) journals only refusals: the load after it journals the admission once.
    if (registry.decision === "deny" || options.journalAllow !== false) yield* ctx.decide(registry)
    if (registry.decision === "deny") {
      return yield* ociProblem(
        "image.registry.not.allowed",
        `Source ${ctx.name}: ${registry.reason} (profile ${registry.profile}); ${policyFileHint(ctx.policyFile)}`,
        {
          errors: [{ path: "ref", message: `registry ${ref.registry} is not allowed` }]
        }
      )
    }
    return signatureModeFor(ctx.profile, ctx.policy, ref.normalized)
  })
}
