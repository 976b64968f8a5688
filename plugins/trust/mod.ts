/**
 * @module
 * Image signature verification (DESIGN §5 step 5, §6): cosign key-based
 * signatures in the `sha256-<hex>.sig` tag scheme, Sigstore bundles
 * (v0.1–v0.3) attached as OCI 1.1 referrers — through the referrers API or,
 * when the registry lacks it, the referrers tag schema — and keyless
 * verification against a configured `trusted_root.json` or the Sigstore
 * public-good root (TUF, cached in the data directory). Every outcome says
 * which discovery paths were tried and which matched.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { makeVerifier, toProblem } from "./plugins/trust/mod.ts"
 *
 * const trust = await Effect.runPromise(Effect.gen(function*() {
 *   const verifier = yield* makeVerifier({ policy, policyDir: ".", dataDir: ".flwd" })
 *   return yield* verifier.verifyImage({ ref, digest, mode: "required" })
 * }).pipe(Effect.mapError(toProblem)))
 * console.log(trust.signer) // "key:release"
 * ```
 */
export * from "./model.ts"
export * from "./errors.ts"
export * from "./problem.ts"
export { decodeBase64, verifyCosignSignature } from "./cosign-signature.ts"
export { checkClaims, parseSimpleSigning, type SimpleSigningClaims } from "./simple-signing.ts"
export { compileIdentity, type KeylessEntry, type KeylessIdentity, matchIdentity } from "./identity.ts"
export { loadTrustPolicy, type TrustedKey, type TrustPolicy } from "./trust-material.ts"
export { publicGoodRoot, type RootLoader, tufCachePath } from "./public-good-root.ts"
export { httpReferrers, type HttpReferrersOptions, type ReferrersAnswer, type ReferrersFetch } from "./referrers.ts"
export { cosignSignatureTag } from "./discover-cosign-tag.ts"
export { describeDiscovery, skipped } from "./run-discovery.ts"
export { type ImageVerifier, makeVerifier, type VerifierOptions, type VerifyRequest } from "./verifier.ts"
export { layer, Verifier } from "./layer.ts"
