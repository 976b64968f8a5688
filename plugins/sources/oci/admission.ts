/**
 * @module
 * Admission of an add-on before anything is fetched (DESIGN §5 steps 1, 3
 * and 5): the source must be trusted explicitly, the profile must admit the
 * registry, and the signature mode must allow an image whose signature
 * this build cannot verify. Every decision is journaled.
 *
 * Signature verification is not part of this build, so `required` (the
 * secure default) fails closed with `image.signature.required`;
 * `permissive` admits with a warning and `disabled` admits with the reason
 * "verification disabled".
 */
import { Effect } from "effect"
import { type Decision, type SignatureMode, SourceError, type SourceContext } from "../../../core/mod.ts"
import type { ImageReference } from "../../oci/mod.ts"

/**
 * What is known about an image's signature, kept in provenance.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageTrust {
  readonly mode: SignatureMode
  readonly verified: boolean
  readonly signer: string | null
  readonly reason: string
}

/** Why `required` cannot be met in this build. @since 0.1.0 @category utils */
export const SIGNATURES_UNAVAILABLE = "signature verification is not available in this build"

/**
 * Checks `trusted`, the registry and the signature mode; fails with
 * `source.trust.required`, `image.registry.not.allowed` or
 * `image.signature.required`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function admit(
  trusted: boolean | undefined,
  ref: ImageReference,
  ctx: SourceContext
): Effect.Effect<ImageTrust, SourceError> {
  return Effect.gen(function*() {
    if (trusted !== true) {
      return yield* new SourceError({
        code: "source.trust.required",
        detail: `Source ${ctx.name}: an OCI add-on runs code from ${ref.normalized}; add it with "trusted": true to trust it explicitly`,
        errors: [{ path: "trusted", message: "must be true for an oci source" }]
      })
    }
    const profile = ctx.profile
    const registry: Decision = profile.admitRegistry?.(ref.registry, ctx.policy) ?? {
      decision: "deny",
      subject: ref.registry,
      code: "image.registry.not.allowed",
      reason: `profile ${profile.name} does not admit registries`,
      profile: profile.name
    }
    yield* ctx.decide(registry)
    if (registry.decision === "deny") {
      return yield* new SourceError({
        code: "image.registry.not.allowed",
        detail: `Source ${ctx.name}: ${registry.reason} (profile ${registry.profile ?? profile.name}); list it in the policy's allowed_registries`,
        errors: [{ path: "ref", message: `registry ${ref.registry} is not allowed` }]
      })
    }
    const mode: SignatureMode = profile.signatureMode?.(ctx.policy) ?? ctx.policy.verify_signatures ?? "required"
    const subject = ref.normalized
    if (mode === "required") {
      yield* ctx.decide({ decision: "deny", subject, code: "image.signature.required", reason: SIGNATURES_UNAVAILABLE, profile: profile.name })
      return yield* new SourceError({
        code: "image.signature.required",
        detail: `Source ${ctx.name}: ${ref.normalized} must be signed and verified (verify_signatures: required), but ${SIGNATURES_UNAVAILABLE}`,
        errors: [{ path: "ref", message: SIGNATURES_UNAVAILABLE }]
      })
    }
    if (mode === "permissive") {
      const reason = `${SIGNATURES_UNAVAILABLE}; admitted unverified under verify_signatures: permissive`
      yield* ctx.decide({ decision: "warn", subject, code: "image.signature.unverified", reason, profile: profile.name })
      return { mode, verified: false, signer: null, reason }
    }
    const reason = "verification disabled"
    yield* ctx.decide({ decision: "allow", subject, code: "image.signature.skipped", reason, profile: profile.name })
    return { mode, verified: false, signer: null, reason }
  })
}
