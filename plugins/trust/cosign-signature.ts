/**
 * @module
 * The signature check of cosign's key-based scheme: a base64 signature over
 * the exact payload bytes (cosign `specs/SIGNATURE_SPEC.md`, "Signature"),
 * made the way sigstore/sigstore's `signature` package makes it for each key
 * type: ECDSA with an ASN.1 DER signature over SHA-256 (the curve's own hash
 * is accepted too: P-384 with SHA-384), Ed25519 over the message itself,
 * RSA PKCS #1 v1.5 with SHA-256 (RFC 8017 §8.2).
 */
import { constants, createPublicKey, type KeyObject, verify } from "node:crypto"

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Decodes strict base64 (RFC 4648 §4), or returns null.
 *
 * @since 0.1.0
 * @category utils
 */
export function decodeBase64(text: string): Buffer | null {
  const s = text.trim()
  return s.length > 0 && BASE64.test(s) ? Buffer.from(s, "base64") : null
}

function ecHashes(key: KeyObject): ReadonlyArray<string> {
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (curve === "secp384r1") return ["sha256", "sha384"]
  if (curve === "secp521r1") return ["sha256", "sha512"]
  return ["sha256"]
}

/**
 * True when `signatureB64` is a valid cosign signature of `payload` by
 * `publicKey` (a key object or PEM; ECDSA P-256/P-384, Ed25519 or RSA).
 * Never throws: anything that is not a valid signature is false.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createPublicKey } from "node:crypto"
 * import { verifyCosignSignature } from "./plugins/trust/mod.ts"
 *
 * const ok = verifyCosignSignature(payload, layerAnnotations["dev.cosignproject.cosign/signature"], createPublicKey(pem))
 * ```
 */
export function verifyCosignSignature(payload: Uint8Array, signatureB64: string, key: KeyObject | string): boolean {
  const signature = decodeBase64(signatureB64)
  if (signature === null) return false
  try {
    const publicKey = typeof key === "string" ? createPublicKey(key) : key
    if (publicKey.type !== "public") return false
    switch (publicKey.asymmetricKeyType) {
      case "ec":
        return ecHashes(publicKey).some((hash) => verify(hash, payload, { key: publicKey, dsaEncoding: "der" }, signature))
      case "ed25519":
        return verify(null, payload, publicKey, signature)
      case "rsa":
        return verify("sha256", payload, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature)
      default:
        return false
    }
  } catch {
    return false
  }
}
