/**
 * @module
 * Discovery steps (b) and (c): Sigstore bundles attached as OCI 1.1
 * referrers (image spec "Artifact"; cosign 3 attaches its bundles this way).
 * The referrers API is asked first; when the registry lacks it, the
 * referrers tag schema `sha256-<hex>` is read instead, an index the pusher
 * maintains (distribution spec "Referrers Tag Schema"). Either answer is
 * bounded: only the first `maxCandidates` bundle entries are considered,
 * however many the registry lists.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Digest as DigestSchema } from "../oci/mod.ts"
import { digestTag, type Found, MAX_SIGNATURE_BYTES, reject, settle, type VerifyContext } from "./_step.ts"
import { COSIGN_SIGN_PREDICATE, CosignAnnotation, isBundleMediaType, TrustMediaType } from "./model.ts"
import type { ReferrersFetch } from "./referrers.ts"
import { verifyBundleBytes } from "./verify-bundle.ts"

const isDigest = Schema.is(DigestSchema)

interface Referrer {
  readonly digest: string
  readonly size: number
}

/** The entries of a referrers index that are image-signature bundles; everything else is skipped unread. */
export function bundleReferrers(entries: ReadonlyArray<unknown>): ReadonlyArray<Referrer> {
  const out: Array<Referrer> = []
  for (const entry of entries) {
    const d = entry as { digest?: unknown; size?: unknown; artifactType?: unknown; annotations?: Record<string, unknown> } | null
    if (typeof d !== "object" || d === null || !isDigest(d.digest) || typeof d.size !== "number") continue
    if (typeof d.artifactType !== "string" || !isBundleMediaType(d.artifactType)) continue
    // cosign 3 names the predicate; attestations (SBOMs, provenance) are not signatures of the image.
    const predicate = d.annotations?.[CosignAnnotation.PredicateType]
    if (predicate !== undefined && predicate !== COSIGN_SIGN_PREDICATE) continue
    out.push({ digest: d.digest, size: d.size })
  }
  return out
}

function loadReferrer(ctx: VerifyContext, referrer: Referrer) {
  const where = `referrer ${referrer.digest}`
  return settle(
    Effect.gen(function* () {
      if (referrer.size > MAX_SIGNATURE_BYTES) return reject("malformed", `${where} is larger than ${MAX_SIGNATURE_BYTES} bytes`)
      const fetched = yield* ctx.client.manifest(ctx.repo, referrer.digest)
      if (fetched.kind !== "manifest") return reject("malformed", `${where} is an index, not an artifact manifest`)
      const layer = fetched.manifest.layers.find((l) => isBundleMediaType(l.mediaType))
      if (layer === undefined) return reject("malformed", `${where} has no Sigstore bundle layer`)
      if (layer.size > MAX_SIGNATURE_BYTES) return reject("malformed", `${where}: the bundle is larger than ${MAX_SIGNATURE_BYTES} bytes`)
      return yield* verifyBundleBytes(ctx, yield* ctx.client.blobBytes(ctx.repo, layer), where)
    }),
    where
  )
}

function found(ctx: VerifyContext, entries: ReadonlyArray<unknown>): Found {
  const referrers = bundleReferrers(entries)
  if (referrers.length === 0) return { status: "absent", detail: entries.length === 0 ? "none" : `${entries.length} referrers, no signature bundle` }
  return { status: "found", total: referrers.length, candidates: referrers.slice(0, ctx.maxCandidates).map((r) => loadReferrer(ctx, r)) }
}

/**
 * Asks the referrers API; `fallback` says the registry lacks it (or would
 * not answer) and the referrers tag should be read instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export function discoverReferrersApi(ctx: VerifyContext, referrers: ReferrersFetch): Effect.Effect<{ readonly found: Found; readonly fallback: boolean }> {
  return referrers(ctx.repo, ctx.digest, TrustMediaType.BundleV03).pipe(
    Effect.map((answer) =>
      answer.supported
        ? { found: found(ctx, answer.manifests), fallback: false }
        : { found: { status: "absent", detail: answer.detail } as Found, fallback: true }
    ),
    Effect.catchAll((e) => Effect.succeed({ found: { status: "failed", reason: "unavailable", detail: e.detail } as Found, fallback: true }))
  )
}

/**
 * Reads the referrers tag `sha256-<hex>`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function discoverReferrersTag(ctx: VerifyContext): Effect.Effect<Found> {
  const tag = digestTag(ctx.digest)
  return ctx.client.manifest(ctx.repo, tag).pipe(
    Effect.map((fetched): Found =>
      fetched.kind === "index"
        ? found(ctx, fetched.index.manifests)
        : { status: "failed", reason: "malformed", detail: `${tag} is a manifest, not a referrers index` }
    ),
    Effect.catchAll((e): Effect.Effect<Found> =>
      Effect.succeed(
        e.reason === "not-found" ? { status: "absent", detail: "not found" } : {
          status: "failed",
          reason: e.reason === "invalid-manifest" || e.reason === "too-large" ? "malformed" : "unavailable",
          detail: `${tag}: ${e.detail}`
        }
      )
    )
  )
}
