/**
 * @module
 * Keyless signatures in cosign's legacy `.sig` layout (cosign
 * `specs/SIGNATURE_SPEC.md`, "Certificate" and "Bundle" annotations): the
 * Fulcio certificate, the Rekor entry with its signed entry timestamp
 * (`dev.sigstore.cosign/bundle`) and an optional RFC 3161 timestamp are
 * restated as a Sigstore bundle v0.1 with a message signature over the
 * payload, and verified like any bundle; then the payload's claims.
 */
import { createHash, X509Certificate } from "node:crypto"
import * as Effect from "effect/Effect"
import { type Bundle, errorText, parseBundle } from "./_sigstore.ts"
import { type Outcome, reject, type VerifyContext } from "./_step.ts"
import { CosignAnnotation } from "./model.ts"
import { claimsOutcome } from "./simple-signing.ts"
import { verifyBundleSigner } from "./verify-bundle-signer.ts"

interface RekorBundle {
  readonly SignedEntryTimestamp: string
  readonly Payload: { readonly body: string; readonly integratedTime: number; readonly logIndex: number; readonly logID: string }
}

function tlogEntry(annotation: string): object {
  const rekor = JSON.parse(annotation) as RekorBundle
  const body = JSON.parse(Buffer.from(rekor.Payload.body, "base64").toString("utf8")) as { kind: string; apiVersion: string }
  return {
    logIndex: String(rekor.Payload.logIndex),
    logId: { keyId: Buffer.from(rekor.Payload.logID, "hex").toString("base64") },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(rekor.Payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: rekor.SignedEntryTimestamp },
    canonicalizedBody: rekor.Payload.body
  }
}

/** The `.sig` layer restated as a Sigstore bundle v0.1 (throws when an annotation is unreadable). */
export function legacyBundle(payload: Uint8Array, signature: string, annotations: Readonly<Record<string, string>>): Bundle {
  const cert = new X509Certificate(annotations[CosignAnnotation.Certificate])
  const rekor = annotations[CosignAnnotation.Bundle]
  const tsa = annotations[CosignAnnotation.Rfc3161Timestamp]
  return parseBundle({
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: cert.raw.toString("base64") }] },
      tlogEntries: rekor !== undefined ? [tlogEntry(rekor)] : [],
      timestampVerificationData: {
        rfc3161Timestamps: tsa !== undefined ? [{ signedTimestamp: (JSON.parse(tsa) as { SignedRFC3161Timestamp: string }).SignedRFC3161Timestamp }] : []
      }
    },
    messageSignature: {
      messageDigest: { algorithm: "SHA2_256", digest: createHash("sha256").update(payload).digest("base64") },
      signature
    }
  })
}

/**
 * Verifies a `.sig` layer that carries a Fulcio certificate.
 *
 * @since 0.1.0
 * @category constructors
 */
export function verifyLegacyKeyless(
  ctx: VerifyContext,
  payload: Uint8Array,
  signature: string,
  annotations: Readonly<Record<string, string>>,
  where: string
): Effect.Effect<Outcome> {
  return Effect.gen(function* () {
    let bundle: Bundle
    try {
      bundle = legacyBundle(payload, signature, annotations)
    } catch (e) {
      return reject("malformed", `${where}: unreadable certificate or Rekor bundle annotation: ${errorText(e)}`)
    }
    const signed = yield* verifyBundleSigner(ctx, bundle, Buffer.from(payload), where)
    return signed.ok ? claimsOutcome(payload, ctx.digest, signed.signer, where) : signed
  })
}
