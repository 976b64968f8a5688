/**
 * @module
 * The image verifier: trust material loaded once from the policy, then per
 * image a pipeline of discovery steps — cosign tag, referrers API,
 * referrers tag — each yielding candidate signatures that are verified in
 * turn until one holds (DESIGN §5 step 5). The mode decides what a failure
 * means: `required` fails, `permissive` reports it, `disabled` does nothing.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { OciPolicy as Policy, SignatureMode } from "../sources/oci/policy/mod.ts"
import { Digest, makeRegistryClient, messageOf, type RegistryClient, type RegistryOptions, type Repository } from "../oci/mod.ts"
import { rootFromJson, type SigstoreRoot } from "./_sigstore.ts"
import type { VerifyContext } from "./_step.ts"
import { discoverCosignTag } from "./discover-cosign-tag.ts"
import { discoverReferrersApi, discoverReferrersTag } from "./discover-referrers.ts"
import { VerifyError } from "./errors.ts"
import type { ImageTrust } from "./model.ts"
import { publicGoodRoot, type RootLoader, tufCachePath } from "./public-good-root.ts"
import { httpReferrers, type ReferrersFetch } from "./referrers.ts"
import { runDiscovery, skipped } from "./run-discovery.ts"
import { loadTrustPolicy, type TrustPolicy } from "./trust-material.ts"

/**
 * Options of `makeVerifier`.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifierOptions {
  readonly policy: Policy
  /** Directory of the policy file; relative `trust.keys[].path` and `trust.trusted_root` resolve against it. */
  readonly policyDir: string
  /** Data directory; the public-good TUF cache lives in `<dataDir>/tuf`. */
  readonly dataDir: string
  /** The registry client to read signatures with. Default: one made from `registryOptions`, closed by `close`. */
  readonly registry?: RegistryClient
  /** Options of the client made when `registry` is not given, and of the referrers API requests. Default: the policy's `insecure_registries`. */
  readonly registryOptions?: RegistryOptions
  /** How the referrers API is asked. Default: an anonymous request with `registryOptions`' dispatcher. */
  readonly referrers?: ReferrersFetch
  /** Where the public-good root comes from when keyless bundles need it. Default: `@sigstore/tuf`. */
  readonly rootLoader?: RootLoader
  /** Signatures considered per discovery path. Default 100. */
  readonly maxCandidates?: number
}

/**
 * What to verify: the image's repository, the digest its reference resolved
 * to, and the signature mode in force.
 *
 * @since 0.1.0
 * @category models
 */
export interface VerifyRequest {
  readonly ref: Repository
  readonly digest: Digest | string
  readonly mode: SignatureMode
  /** Reads this image's signatures instead of the verifier's client: a caller's scoped view (redirect rule, deadline). */
  readonly client?: RegistryClient
}

/**
 * A verifier bound to one policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageVerifier {
  /** Fails (mode `required` only) with `VerifyError`; otherwise reports the outcome in `ImageTrust`. */
  readonly verifyImage: (request: VerifyRequest) => Effect.Effect<ImageTrust, VerifyError>
  readonly trust: TrustPolicy
  /** Closes connections the verifier opened itself. */
  readonly close: Effect.Effect<void>
}

const isDigest = Schema.is(Digest)

/** Loads the public-good root on first use; a failure is retried by the next verification. */
function lazyRoot(configured: SigstoreRoot | null, loader: RootLoader, dataDir: string): Effect.Effect<SigstoreRoot, string> {
  if (configured !== null) return Effect.succeed(configured)
  let pending: Promise<SigstoreRoot> | null = null
  return Effect.tryPromise({
    try: () => {
      pending ??= loader({ cachePath: tufCachePath(dataDir) }).then(rootFromJson)
      pending.catch(() => (pending = null))
      return pending
    },
    catch: (e) => `cannot load the Sigstore public-good trusted root with TUF (${messageOf(e)}); configure trust.trusted_root to verify offline`
  })
}

/**
 * Loads the policy's trust material (failing with reason `policy` on a bad
 * key, identity or trusted root) and returns a verifier.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const verifier = yield* makeVerifier({ policy, policyDir: ".", dataDir: ".flwd" })
 * const trust = yield* verifier.verifyImage({ ref, digest, mode: "required" })
 * ```
 */
export function makeVerifier(options: VerifierOptions): Effect.Effect<ImageVerifier, VerifyError> {
  return Effect.gen(function* () {
    const trust = yield* loadTrustPolicy(options.policy, options.policyDir)
    const registryOptions: RegistryOptions = { insecureRegistries: options.policy.insecure_registries, ...options.registryOptions }
    const client = options.registry ?? makeRegistryClient(registryOptions)
    const http = options.referrers === undefined
      ? httpReferrers({ dispatcher: registryOptions.dispatcher, insecureRegistries: registryOptions.insecureRegistries })
      : null
    const referrers = options.referrers ?? http!.fetch
    const root = lazyRoot(trust.trustedRoot, options.rootLoader ?? publicGoodRoot, options.dataDir)

    const verifyImage = (request: VerifyRequest): Effect.Effect<ImageTrust, VerifyError> => {
      const digest = request.digest as Digest
      if (request.mode === "disabled") {
        return Effect.succeed({ mode: "disabled", verified: false, signer: null, reason: "verification disabled", discovery: skipped })
      }
      const ref = `${request.ref.registry}/${request.ref.repository}@${digest}`
      const conclude = (error: VerifyError): Effect.Effect<ImageTrust, VerifyError> =>
        request.mode === "required"
          ? Effect.fail(error)
          : Effect.succeed({ mode: request.mode, verified: false, signer: null, reason: error.summary, discovery: error.discovery ?? skipped })
      if (!isDigest(digest)) return conclude(new VerifyError({ reason: "malformed", detail: `${digest} is not a sha256 or sha512 digest`, ref }))
      const reader = request.client ?? client
      return Effect.gen(function* () {
        const ctx: VerifyContext = {
          client: reader,
          repo: { registry: request.ref.registry, repository: request.ref.repository },
          digest,
          trust,
          root,
          manifestBytes: yield* Effect.cached(Effect.map(reader.manifest(request.ref, digest), (m) => m.bytes)),
          maxCandidates: options.maxCandidates ?? 100
        }
        const outcome = yield* runDiscovery(ctx, [
          { path: "cosign-tag", run: Effect.map(discoverCosignTag(ctx), (found) => ({ found, next: true })) },
          { path: "referrers-api", run: Effect.map(discoverReferrersApi(ctx, referrers), ({ found, fallback }) => ({ found, next: fallback })) },
          { path: "referrers-tag", run: Effect.map(discoverReferrersTag(ctx), (found) => ({ found, next: true })) }
        ])
        if (outcome.ok) return { mode: request.mode, verified: true, signer: outcome.signer, reason: outcome.reason, discovery: outcome.discovery }
        return yield* conclude(new VerifyError({ reason: outcome.reason, detail: outcome.detail, ref, discovery: outcome.discovery }))
      })
    }

    return {
      verifyImage,
      trust,
      close: Effect.gen(function* () {
        if (http !== null) yield* http.close
        if (options.registry === undefined) yield* client.close
      })
    }
  })
}
