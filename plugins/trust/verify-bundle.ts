/**
 * @module
 * Verification of a Sigstore bundle attached to the image as a referrer
 * (Sigstore bundle spec v0.1–v0.3; cosign 3's layout): the signer, then
 * that what was signed covers the image. A DSSE envelope must carry an
 * in-toto statement (in-toto Statement v1) with cosign's signature
 * predicate and a subject whose digest is the image's; a message signature
 * must sign the image manifest itself (`messageDigest` = the digest).
 */
import * as Effect from "effect/Effect"
import { type Bundle, bundleContent, errorText, parseBundle } from "./_sigstore.ts"
import { type Outcome, reject, settle, type VerifyContext } from "./_step.ts"
import { COSIGN_SIGN_PREDICATE, TrustMediaType } from "./model.ts"
import { verifyBundleSigner } from "./verify-bundle-signer.ts"

interface Statement {
  readonly predicateType?: unknown
  readonly subject?: ReadonlyArray<{ readonly digest?: Readonly<Record<string, unknown>> }>
}

/** Whether an in-toto statement signs the image as cosign does; null when it does. */
function statementGap(payload: Buffer, digest: string, where: string, signer: string): Outcome | null {
  let statement: Statement
  try {
    statement = JSON.parse(payload.toString("utf8"))
  } catch {
    return reject("malformed", `${where}: the DSSE payload is not JSON`)
  }
  if (statement.predicateType !== COSIGN_SIGN_PREDICATE) {
    return reject("untrusted", `${where} (${signer}) is an attestation of type ${JSON.stringify(statement.predicateType)}, not an image signature`)
  }
  const [algorithm, hex] = digest.split(":")
  const subjects = Array.isArray(statement.subject) ? statement.subject : []
  if (subjects.some((s) => typeof s?.digest?.[algorithm] === "string" && (s.digest[algorithm] as string).toLowerCase() === hex)) return null
  const named = subjects.flatMap((s) => Object.entries(s?.digest ?? {}).map(([a, h]) => `${a}:${String(h)}`))
  return reject("digest-mismatch", `${where} (${signer}) signs ${named.join(", ") || "no subject"}, not ${digest}`)
}

/**
 * Verifies a bundle read from the registry (`bytes`, its JSON).
 *
 * @since 0.1.0
 * @category constructors
 */
export function verifyBundleBytes(ctx: VerifyContext, bytes: Uint8Array, where: string): Effect.Effect<Outcome> {
  return settle(
    Effect.gen(function* () {
      let bundle: Bundle
      try {
        bundle = parseBundle(JSON.parse(Buffer.from(bytes).toString("utf8")))
      } catch (e) {
        return reject("malformed", `${where} is not a Sigstore bundle: ${errorText(e)}`)
      }
      const content = bundleContent(bundle)
      if (content.kind === "message") {
        // A message signature signs the manifest bytes; other bytes are some other artifact.
        const hex = ctx.digest.split(":")[1]
        if (!ctx.digest.startsWith("sha256:") || content.sha256 !== hex) {
          // Its signature is over bytes we do not have, so its signer cannot be checked.
          return reject(
            "digest-mismatch",
            `${where} is a message signature over sha256:${content.sha256 ?? "(not sha256)"}, not ${ctx.digest} (signer not checked)`
          )
        }
        const manifest = Buffer.from(yield* ctx.manifestBytes)
        return yield* verifyBundleSigner(ctx, bundle, manifest, where)
      }
      if (content.payloadType !== TrustMediaType.InToto) {
        return reject("malformed", `${where}: DSSE payload type ${content.payloadType} is not ${TrustMediaType.InToto}`)
      }
      const signed = yield* verifyBundleSigner(ctx, bundle, undefined, where)
      if (!signed.ok) return signed
      return statementGap(content.payload, ctx.digest, where, signed.signer) ?? signed
    }),
    where
  )
}
