/**
 * @module
 * Discovery step (a): cosign's tag scheme. Signatures of `sha256:<hex>`
 * live in the manifest tagged `sha256-<hex>.sig`, one
 * `application/vnd.dev.cosign.simplesigning.v1+json` layer per signature
 * (cosign `specs/SIGNATURE_SPEC.md`, "Tag-based discovery").
 */
import * as Effect from "effect/Effect"
import { digestTag, type Found, type VerifyContext } from "./_step.ts"
import { TrustMediaType } from "./model.ts"
import { verifySimpleSigningLayer } from "./verify-simple-signing.ts"

/** `sha256-<hex>.sig` for a digest. @since 0.1.0 @category utils */
export function cosignSignatureTag(digest: string): string {
  return `${digest.replace(":", "-")}.sig`
}

/**
 * Reads the `.sig` manifest of the image; each simple-signing layer becomes
 * a candidate (at most `maxCandidates`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function discoverCosignTag(ctx: VerifyContext): Effect.Effect<Found> {
  const tag = `${digestTag(ctx.digest)}.sig`
  return ctx.client.manifest(ctx.repo, tag).pipe(
    Effect.map((fetched): Found => {
      if (fetched.kind !== "manifest") return { status: "failed", reason: "malformed", detail: `${tag} is an index, not a signature manifest` }
      const layers = fetched.manifest.layers
        .map((layer, index) => ({ layer, index }))
        .filter(({ layer }) => layer.mediaType === TrustMediaType.SimpleSigning)
      if (layers.length === 0) return { status: "failed", reason: "malformed", detail: `${tag} has no ${TrustMediaType.SimpleSigning} layer` }
      return {
        status: "found",
        total: layers.length,
        candidates: layers.slice(0, ctx.maxCandidates).map(({ layer, index }) => verifySimpleSigningLayer(ctx, layer, index))
      }
    }),
    Effect.catchAll((e): Effect.Effect<Found> => {
      if (e.reason === "not-found") return Effect.succeed({ status: "absent", detail: "not found" })
      const malformed = e.reason === "invalid-manifest" || e.reason === "unsupported-media-type" || e.reason === "too-large" || e.reason === "digest-mismatch"
      return Effect.succeed({ status: "failed", reason: malformed ? "malformed" : "unavailable", detail: `${tag}: ${e.detail}` })
    })
  )
}
