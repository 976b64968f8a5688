/**
 * An independent check of cosign key-based signatures with node:crypto
 * only (cosign `specs/SIGNATURE_SPEC.md`): ECDSA over SHA-256 of the exact
 * payload bytes, DER signature in base64.
 */
import { createPublicKey, verify } from "node:crypto"

/** True when `signatureB64` is a signature of `payload` by the key of `publicKeyPem`. */
export function verifyCosignKeySignature(payload: string | Uint8Array, signatureB64: string, publicKeyPem: string): boolean {
  return verify("sha256", Buffer.from(payload), createPublicKey(publicKeyPem), Buffer.from(signatureB64, "base64"))
}
