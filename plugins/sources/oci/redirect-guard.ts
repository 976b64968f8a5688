/**
 * @module
 * Which redirects an add-on's pull may follow (issue 12, item 4). The
 * registry is admitted by the profile; a redirect must not lead past that:
 *
 * - to the registry's own host: always followed (not asked here);
 * - a blob download (content checked against its digest) to object
 *   storage: followed when the profile admits the target as a registry or
 *   the policy lists it in `blob_hosts`;
 * - anything else — manifests, tag lists, signature manifests — names
 *   content only the registry may vouch for: never followed to another
 *   host, unless the profile admits every registry (`disabled`, or
 *   `permissive` without a list).
 *
 * Every cross-host redirect is a journaled `policy.decision`; a refused
 * one fails the whole add with `image.registry.not.allowed` naming the
 * target, whichever step (resolution, signatures, blobs) met it.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { type Decision, type SourceContext, SourceError } from "../../../core/mod.ts"
import type { RedirectHop, RedirectRule } from "../../oci/mod.ts"
import { ociProblem } from "../../oci/problems/mod.ts"
import { registryListed } from "../../profiles/mod.ts"
import { registryDecision } from "./admission.ts"
import { ociPolicyOf } from "./policy-section.ts"

/** An RFC 6761 `.invalid` name is nobody's registry: a profile that admits it admits every registry. */
const ANY_REGISTRY = "unlisted-registry.invalid"

const WHAT: Readonly<Record<string, string>> = {
  blob: "blob download",
  manifest: "manifest request",
  tags: "tag list request",
  token: "token request",
  ping: "registry probe"
}

/** One add's redirect rule and the decisions it took. @since 0.1.0 @category models */
export interface RedirectGuard {
  readonly rule: RedirectRule
  /** Runs `effect`, journals the decisions, and fails with `image.registry.not.allowed` when a redirect was refused. */
  readonly settle: <A>(effect: Effect.Effect<A, SourceError>) => Effect.Effect<A, SourceError>
}

/**
 * The redirect rule of one add under `ctx`'s profile and policy.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeRedirectGuard(ctx: SourceContext): RedirectGuard {
  const profile = ctx.profile.name
  const admitsAny = registryDecision(ctx.profile, ctx.policy, ANY_REGISTRY).decision === "allow"
  // One decision per kind and host: a pull redirects every layer, the journal needs it once.
  const decisions = new Map<string, Decision>()

  const decide = (hop: RedirectHop): Decision => {
    const host = hop.to.host
    const what = `${WHAT[hop.kind ?? ""] ?? "request"} from ${hop.origin.host} redirected to ${host}`
    const allow = (why: string): Decision => ({ decision: "allow", subject: host, code: "image.redirect.allowed", reason: `${what}: ${why}`, profile })
    if (admitsAny) return allow(`profile ${profile} admits every registry`)
    if (hop.kind === "blob") {
      if (registryDecision(ctx.profile, ctx.policy, host).decision === "allow") return allow("an admitted registry")
      if (registryListed(host, ociPolicyOf(ctx.policy).blob_hosts ?? [])) return allow("listed in blob_hosts")
    }
    const why = hop.kind === "blob" ? "neither an admitted registry nor listed in blob_hosts" : "only blob downloads may leave the registry"
    return { decision: "deny", subject: host, code: "image.registry.not.allowed", reason: `${what}: ${why}`, profile }
  }

  const rule: RedirectRule = (hop) => {
    const decision = decide(hop)
    const key = `${hop.kind ?? ""} ${decision.subject}`
    if (!decisions.has(key)) decisions.set(key, decision)
    return decision.decision === "deny" ? decision.reason : null
  }

  const settle = <A>(effect: Effect.Effect<A, SourceError>) =>
    Effect.flatMap(Effect.exit(effect), (exit) =>
      Effect.gen(function* () {
        const taken = [...decisions.values()]
        decisions.clear()
        yield* Effect.forEach(taken, ctx.decide, { discard: true })
        const denied = taken.find((d) => d.decision === "deny")
        if (denied !== undefined && !Exit.isInterrupted(exit)) {
          return yield* ociProblem(
            "image.registry.not.allowed",
            `Source ${ctx.name}: ${denied.reason} (profile ${profile}); a blob host may be listed in the policy's blob_hosts`,
            { errors: [{ path: "ref", message: `redirect target ${denied.subject} is not allowed` }] }
          )
        }
        return yield* exit
      }))

  return { rule, settle }
}
