/**
 * @module
 * Admission of an add-on before anything is fetched (DESIGN §5 steps 1 and
 * 3): the source must be trusted explicitly and the profile must admit the
 * registry. What comes out is the signature mode in force, which
 * `verify.ts` applies once the reference is resolved to a digest (step 5).
 * Every decision is journaled.
 */
import * as Effect from "effect/Effect"
import { type Decision, type Policy, type ProfilePlugin, type SignatureMode, SourceError, type SourceContext } from "../../../core/mod.ts"
import type { ImageReference } from "../../oci/mod.ts"
import { signatureModeOf } from "../../profiles/mod.ts"
import type { DiscoveryReport } from "../../trust/mod.ts"

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
 * The profile's answer for `registry`; a profile that does not say denies.
 *
 * @since 0.1.0
 * @category utils
 */
export function registryDecision(profile: ProfilePlugin, policy: Policy, registry: string): Decision {
  const decision = profile.admitRegistry?.(registry, policy) ?? {
    decision: "deny",
    subject: registry,
    code: "image.registry.not.allowed",
    reason: `profile ${profile.name} does not admit registries`,
    profile: profile.name
  }
  // A plugin's decision is journaled as a whole: make sure it names its profile.
  return { ...decision, profile: decision.profile ?? profile.name }
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
 * in force.
 *
 * @since 0.1.0
 * @category constructors
 */
export function admit(
  trusted: boolean | undefined,
  ref: ImageReference,
  ctx: SourceContext
): Effect.Effect<SignatureMode, SourceError> {
  return Effect.gen(function*() {
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
    yield* ctx.decide(registry)
    if (registry.decision === "deny") {
      return yield* new SourceError({
        code: "image.registry.not.allowed",
        detail: `Source ${ctx.name}: ${registry.reason} (profile ${registry.profile}); ${policyFileHint(ctx.policyFile)}`,
        errors: [{ path: "ref", message: `registry ${ref.registry} is not allowed` }]
      })
    }
    return signatureModeOf(ctx.profile, ctx.policy)
  })
}
