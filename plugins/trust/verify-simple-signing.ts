/**
 * @module
 * Verification of one `.sig` layer (cosign `specs/SIGNATURE_SPEC.md`):
 * the base64 signature annotation over the exact payload bytes, by one of
 * the policy's keys; then the payload's claims. A layer that also carries a
 * Fulcio certificate (keyless, legacy layout) is handed to the keyless step
 * when no key verifies it.
 */
import * as Effect from "effect/Effect"
import type { Descriptor } from "../oci/mod.ts"
import { MAX_SIGNATURE_BYTES, type Outcome, reject, settle, type VerifyContext } from "./_step.ts"
import { decodeBase64, verifyCosignSignature } from "./cosign-signature.ts"
import { CosignAnnotation } from "./model.ts"
import { claimsOutcome } from "./simple-signing.ts"
import { verifyLegacyKeyless } from "./verify-legacy-keyless.ts"

/**
 * Verifies layer `index` of the `.sig` manifest.
 *
 * @since 0.1.0
 * @category constructors
 */
export function verifySimpleSigningLayer(ctx: VerifyContext, layer: Descriptor, index: number): Effect.Effect<Outcome> {
  const where = `signature layer ${index}`
  return settle(
    Effect.gen(function* () {
      const signature = layer.annotations?.[CosignAnnotation.Signature]
      if (signature === undefined) return reject("malformed", `${where} has no ${CosignAnnotation.Signature} annotation`)
      if (decodeBase64(signature) === null) return reject("malformed", `${where}: the signature annotation is not base64`)
      if (layer.size > MAX_SIGNATURE_BYTES) return reject("malformed", `${where}: the payload is larger than ${MAX_SIGNATURE_BYTES} bytes`)
      const payload = yield* ctx.client.blobBytes(ctx.repo, layer)
      const key = ctx.trust.keys.find((k) => verifyCosignSignature(payload, signature, k.key))
      if (key !== undefined) return claimsOutcome(payload, ctx.digest, `key:${key.name}`, where)
      if (layer.annotations?.[CosignAnnotation.Certificate] !== undefined) {
        return yield* verifyLegacyKeyless(ctx, payload, signature, layer.annotations, where)
      }
      const keys = ctx.trust.keys.map((k) => k.name)
      return reject(
        "untrusted",
        keys.length === 0
          ? `${where} is signed with a key, and the policy lists no trust.keys`
          : `${where} is not signed by a trusted key (checked ${keys.join(", ")})`
      )
    }),
    where
  )
}
