/**
 * @module
 * Who signed a Sigstore bundle, established the way sigstore-js `Verifier`
 * does it (timestamps → key → tlogs → signature), then the identity
 * policy. A bundle naming a public key must verify with one of the policy's
 * keys; a certificate must chain to the trusted root at a verified time
 * (transparency-log integrated time or RFC 3161 timestamp inside the
 * certificate's validity) and carry an identity `trust.keyless` names.
 */
import * as Effect from "effect/Effect"
import { type Bundle, bundleHasWitnesses, bundleSigner, classify, errorText, type SigstoreRoot, verifyCertificateBundle, verifyKeyBundle } from "./_sigstore.ts"
import { type Outcome, reject, type VerifyContext } from "./_step.ts"
import { matchIdentity } from "./identity.ts"

function withKeys(ctx: VerifyContext, bundle: Bundle, artifact: Buffer | undefined, where: string): Effect.Effect<Outcome> {
  return Effect.gen(function* () {
    if (ctx.trust.keys.length === 0) return reject("untrusted", `${where} is signed with a key, and the policy lists no trust.keys`)
    // Log entries and timestamps a key-signed bundle carries are checked too, which needs a root.
    let root: SigstoreRoot | null = null
    if (bundleHasWitnesses(bundle)) {
      const loaded = yield* Effect.either(ctx.root)
      if (loaded._tag === "Left") return reject("unavailable", `${where}: ${loaded.left}`)
      root = loaded.right
    }
    for (const { name, key } of ctx.trust.keys) {
      try {
        verifyKeyBundle(bundle, key, root, artifact)
        return { ok: true, signer: `key:${name}` }
      } catch (e) {
        // A bad log entry or timestamp fails for every key; only a signature mismatch means "try the next key".
        const reason = classify(e, "public-key")
        if (reason !== "untrusted") return reject(reason, `${where}: ${errorText(e)}`)
      }
    }
    return reject("untrusted", `${where} is not signed by a trusted key (checked ${ctx.trust.keys.map((k) => k.name).join(", ")})`)
  })
}

function withCertificate(ctx: VerifyContext, bundle: Bundle, artifact: Buffer | undefined, where: string): Effect.Effect<Outcome> {
  return Effect.gen(function* () {
    if (ctx.trust.identities.length === 0) {
      return reject("untrusted", `${where} is signed keyless, and the policy lists no trust.keyless identities`)
    }
    const loaded = yield* Effect.either(ctx.root)
    if (loaded._tag === "Left") return reject("unavailable", `${where}: ${loaded.left}`)
    let cert: { readonly subject: string | null; readonly issuer: string | null }
    try {
      cert = verifyCertificateBundle(bundle, loaded.right, artifact)
    } catch (e) {
      return reject(classify(e, "certificate"), `${where}: ${errorText(e)}`)
    }
    const id = matchIdentity(ctx.trust.identities, cert)
    if (id === null) {
      return reject(
        "untrusted",
        `${where} is signed by ${cert.subject ?? "(no subject)"} (issuer ${cert.issuer ?? "none"}), which matches no trust.keyless entry`
      )
    }
    return { ok: true, signer: `${cert.subject} (${cert.issuer})` }
  })
}

/**
 * Verifies the bundle's signature material and names its signer; `artifact`
 * is what a message signature signs.
 *
 * @since 0.1.0
 * @category constructors
 */
export function verifyBundleSigner(ctx: VerifyContext, bundle: Bundle, artifact: Buffer | undefined, where: string): Effect.Effect<Outcome> {
  return bundleSigner(bundle) === "public-key" ? withKeys(ctx, bundle, artifact, where) : withCertificate(ctx, bundle, artifact, where)
}
