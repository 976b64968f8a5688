/**
 * @module
 * `checkImage`: the admission and signature verification adding an add-on
 * would make (DESIGN §5 steps 2–5), for a reference, without adding it —
 * no blob is fetched, nothing is journaled or written. The requests hold to
 * the same redirect rule and deadline as a pull (`_session.ts`). It is the
 * plugin's `inspect` hook (`inspectImage`), which `flwd :policy check`
 * calls as it would any kind's.
 */
import * as Effect from "effect/Effect"
import {
  type Decision,
  type InspectContext,
  type Inspection,
  type InspectionLine,
  messageOf,
  type Policy,
  PolicyError,
  type ProfilePlugin,
  type SourceContext,
  SourceError,
  ValidationError
} from "../../../core/mod.ts"
import { isOciProblem, makeRegistryClient, parseImageReference, type RegistryClient, type RegistryOptions, toProblem } from "../../oci/mod.ts"
import { withOciProblem } from "./_problem.ts"
import { pullSession } from "./_session.ts"
import { admit, type ImageTrust } from "./admission.ts"
import { ociPolicyOf } from "./policy-section.ts"
import type { OciSourceSpec } from "./spec.ts"
import { makeSourceVerifier, type TrustOptions } from "./verify.ts"

/**
 * Options of `checkImage`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckImageOptions {
  /** The image reference, as an `oci` source's `ref`. */
  readonly ref: string
  /** The profile to check under (the engine's default profile). */
  readonly profile: ProfilePlugin
  readonly policy: Policy
  /** Where relative trust paths of the policy resolve. */
  readonly policyDir: string
  /** Data directory (the public-good root's TUF cache). */
  readonly dataDir: string
  /** Registry client. Default: one with `registry` options and the policy's `insecure_registries`, closed afterwards. */
  readonly client?: RegistryClient
  /** Options of the default client (credentials, timeouts). Default none. */
  readonly registry?: Omit<RegistryOptions, "insecureRegistries">
  /** As `OciSourceOptions.trust`. Default: the trust library's. */
  readonly trust?: TrustOptions
}

/**
 * What admission decided for an image.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageCheck {
  /** The normalised reference. */
  readonly ref: string
  readonly profile: string
  readonly admitted: boolean
  /** The digest the reference resolved to (and was verified); null when the registry was refused. */
  readonly digest: string | null
  /** Registry admission, then signature verification. */
  readonly decisions: ReadonlyArray<Decision>
  /** The outcome of verification; null when the registry was refused. */
  readonly image_trust: ImageTrust | null
  /** Why it is not admitted (`image.registry.not.allowed`, `image.signature.required`); null when it is. */
  readonly problem: { readonly code: string; readonly detail: string } | null
}

/**
 * Checks `ref` as adding it would. Fails only when the check cannot be made:
 * a malformed reference (`validation.failed`), an unreachable registry or
 * missing image (`E_OCI`), an unusable trust section (`policy.invalid`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function checkImage(options: CheckImageOptions): Effect.Effect<ImageCheck, SourceError | Error> {
  return Effect.gen(function* () {
    const ref = yield* Effect.try({ try: () => parseImageReference(options.ref), catch: (e) => e instanceof Error ? e : new Error(messageOf(e)) })
    const decisions: Array<Decision> = []
    const own = options.client === undefined
    const client = options.client ??
      makeRegistryClient({ ...options.registry, insecureRegistries: [...(ociPolicyOf(options.policy).insecure_registries ?? [])] })
    const verifier = makeSourceVerifier({
      client: () => client,
      registryOptions: () => ({ ...options.registry, insecureRegistries: [...(ociPolicyOf(options.policy).insecure_registries ?? [])] }),
      trust: options.trust,
      persist: false
    })
    const ctx: SourceContext = {
      name: ref.normalized,
      dataDir: options.dataDir,
      profile: options.profile,
      policy: options.policy,
      policyDir: options.policyDir,
      allowedLocalRoots: [],
      progress: () => Effect.void,
      decide: (d) => Effect.sync(() => void decisions.push(d))
    }
    const base = { ref: ref.normalized, profile: options.profile.name }
    const denied = (e: SourceError, digest: string | null, trust: ImageTrust | null): ImageCheck => ({
      ...base,
      admitted: false,
      digest,
      decisions,
      image_trust: trust,
      problem: { code: e.code, detail: e.detail }
    })
    return yield* Effect.gen(function* () {
      const mode = yield* Effect.either(admit(true, ref, ctx))
      if (mode._tag === "Left") return denied(mode.left, null, null)
      const checked = yield* Effect.either(pullSession(ctx, ref.normalized, client, (scoped) =>
        Effect.gen(function* () {
          const digest = ref.digest ?? (yield* scoped.resolve(ref).pipe(Effect.mapError((e) => toProblem(e, ref.normalized)))).digest
          return { digest, trust: yield* Effect.either(verifier.verify(ctx, ref, digest, mode.right, false, scoped)) }
        })))
      if (checked._tag === "Left") {
        if (isOciProblem(checked.left, "image.registry.not.allowed")) return denied(checked.left, null, null)
        return yield* checked.left
      }
      const { digest, trust } = checked.right
      if (trust._tag === "Right") return { ...base, admitted: true, digest, decisions, image_trust: trust.right, problem: null }
      const e = trust.left
      if (e.code !== "image.signature.required") return yield* e
      // The verifier's error carries the discovery report the outcome shows.
      const cause = e.cause as { summary?: string; discovery?: ImageTrust["discovery"] } | undefined
      return denied(e, digest, {
        mode: mode.right,
        verified: false,
        signer: null,
        reason: cause?.summary ?? e.detail,
        ...(cause?.discovery !== undefined ? { discovery: cause.discovery } : {})
      })
    }).pipe(
      Effect.mapError((e) => (e instanceof SourceError ? withOciProblem(e) : e)),
      Effect.ensuring(Effect.zipRight(verifier.close, own ? client.close : Effect.void))
    )
  })
}

/** The lines `flwd :policy check` prints under the decisions: the digest, then the outcome of verification and where it looked. */
function reportOf(c: ImageCheck): ReadonlyArray<InspectionLine> {
  const trust = c.image_trust
  return [
    ...(c.digest !== null ? [{ label: "digest", text: c.digest }] : []),
    ...(trust === null ? [] : [
      { label: "image_trust", text: `mode=${trust.mode} verified=${trust.verified} signer=${trust.signer ?? "none"}` },
      ...(trust.discovery ?? []).map((p) => ({
        label: p.path,
        text: !p.tried ? "not tried" : p.matched ? `${p.found} found, matched` : `${p.found} found${p.detail !== undefined ? `: ${p.detail}` : ""}`,
        detail: true
      }))
    ])
  ]
}

/**
 * The plugin's `inspect` hook: `checkImage` for a decoded spec, as an
 * `Inspection` whose document is the `ImageCheck`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function inspectImage(spec: OciSourceSpec, ctx: InspectContext): Effect.Effect<Inspection, SourceError | PolicyError | ValidationError> {
  return checkImage({ ref: spec.ref.text, profile: ctx.profile, policy: ctx.policy, policyDir: ctx.policyDir, dataDir: ctx.dataDir }).pipe(
    Effect.map((c) => ({
      subject: c.ref,
      profile: c.profile,
      admitted: c.admitted,
      decisions: c.decisions,
      problem: c.problem,
      report: reportOf(c),
      document: { ...c }
    })),
    Effect.mapError((e) =>
      e instanceof SourceError || e instanceof PolicyError || e instanceof ValidationError
        ? e
        : new SourceError({ code: "source.failed", detail: `Cannot check ${spec.ref.text}: ${e.message}`, cause: e })
    )
  )
}
