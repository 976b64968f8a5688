/**
 * @module
 * The one file through which `@sigstore/verify`, `@sigstore/bundle` and
 * `@sigstore/protobuf-specs` enter (STYLE §1): trusted roots become trust
 * material (`toTrustMaterial`), bundles are decoded (`bundleFromJSON`,
 * Sigstore bundle spec v0.1–v0.3) and verified by the sigstore-js
 * `Verifier` pipeline (timestamps → key → tlogs → signature). No I/O here.
 */
import type { KeyObject } from "node:crypto"
import { createRequire } from "node:module"
import type { Bundle } from "@sigstore/bundle"
import type { TrustedRoot } from "@sigstore/protobuf-specs"
import type { Signer, TrustMaterial } from "@sigstore/verify"
import { codeOf, messageOf } from "../oci/mod.ts"

// Loaded on first use: most flwd commands never verify a signature, and the
// sigstore libraries are a large share of a cold start.
const require = createRequire(import.meta.url)
let libs: {
  readonly bundle: typeof import("@sigstore/bundle")
  readonly specs: typeof import("@sigstore/protobuf-specs")
  readonly verify: typeof import("@sigstore/verify")
} | undefined
const sigstore = () => (libs ??= {
  bundle: require("@sigstore/bundle"),
  specs: require("@sigstore/protobuf-specs"),
  verify: require("@sigstore/verify")
})

export type { Bundle }

/** Trust material from a `trusted_root.json`, with what it can vouch for. */
export interface SigstoreRoot {
  readonly material: TrustMaterial
  readonly tlogs: number
  readonly ctlogs: number
}

/** A trusted root (`trusted_root.json`, already parsed) as trust material; throws when it is not one. */
export function rootFromJson(json: unknown): SigstoreRoot {
  if (typeof json !== "object" || json === null) throw new Error("not a JSON object")
  const root = sigstore().specs.TrustedRoot.fromJSON(json)
  const material = sigstore().verify.toTrustMaterial(root)
  if (material.certificateAuthorities.length === 0 && material.tlogs.length === 0 && material.timestampAuthorities.length === 0) {
    throw new Error("names no certificate authority, transparency log or timestamp authority")
  }
  return { material, tlogs: material.tlogs.length, ctlogs: material.ctlogs.length }
}

/** A decoded trusted root (as `@sigstore/tuf` returns it) back to its JSON form. */
export function trustedRootJson(root: TrustedRoot): unknown {
  return sigstore().specs.TrustedRoot.toJSON(root)
}

/** Decodes and validates a bundle (throws the bundle library's `ValidationError`). */
export function parseBundle(json: unknown): Bundle {
  return sigstore().bundle.bundleFromJSON(json)
}

/** What a bundle signs: a DSSE envelope, or a message digest. */
export type BundleContent =
  | { readonly kind: "dsse"; readonly payloadType: string; readonly payload: Buffer }
  | { readonly kind: "message"; readonly sha256: string | null }

export function bundleContent(bundle: Bundle): BundleContent {
  if (bundle.content.$case === "dsseEnvelope") {
    const env = bundle.content.dsseEnvelope
    return { kind: "dsse", payloadType: env.payloadType, payload: Buffer.from(env.payload) }
  }
  const digest = bundle.content.messageSignature.messageDigest
  return { kind: "message", sha256: digest?.algorithm === sigstore().specs.HashAlgorithm.SHA2_256 ? Buffer.from(digest.digest).toString("hex") : null }
}

/** Whether the bundle is signed by a certificate (keyless) or names a public key. */
export function bundleSigner(bundle: Bundle): "certificate" | "public-key" {
  return bundle.verificationMaterial.content.$case === "publicKey" ? "public-key" : "certificate"
}

/** Whether the bundle carries transparency-log entries or RFC 3161 timestamps (both need a trusted root). */
export function bundleHasWitnesses(bundle: Bundle): boolean {
  const m = bundle.verificationMaterial
  return m.tlogEntries.length > 0 || (m.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0
}

/** The certificate identity a verification established. */
export interface CertificateIdentity {
  readonly subject: string | null
  readonly issuer: string | null
}

/**
 * Verifies a certificate-signed bundle against the root: the chain to a
 * Fulcio CA at a verified time, SCTs when the root has CT logs, a
 * transparency-log entry when it has logs, at least one timestamp (log or
 * TSA) inside the certificate's validity, then the signature.
 */
export function verifyCertificateBundle(bundle: Bundle, root: SigstoreRoot, artifact?: Buffer): CertificateIdentity {
  const verifier = new (sigstore().verify.Verifier)(root.material, {
    tlogThreshold: root.tlogs > 0 ? 1 : 0,
    ctlogThreshold: root.ctlogs > 0 ? 1 : 0,
    timestampThreshold: 1
  })
  const signer: Signer = verifier.verify(sigstore().verify.toSignedEntity(bundle, artifact))
  return { subject: signer.identity?.subjectAlternativeName ?? null, issuer: signer.identity?.extensions?.issuer ?? null }
}

const emptyMaterial: Omit<TrustMaterial, "publicKey"> = { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [] }

/**
 * Verifies a bundle that names a public key with `key`. Log entries and
 * timestamps it carries are verified against `root`; none are required,
 * as with cosign's key-based signatures.
 */
export function verifyKeyBundle(bundle: Bundle, key: KeyObject, root: SigstoreRoot | null, artifact?: Buffer): void {
  const material: TrustMaterial = {
    ...(root?.material ?? emptyMaterial),
    publicKey: () => ({ publicKey: key, validFor: () => true })
  }
  new (sigstore().verify.Verifier)(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
    sigstore().verify.toSignedEntity(bundle, artifact)
  )
}

/** Sorts a thrown verification error into the reasons flwd reports. */
export function classify(e: unknown, signer: "certificate" | "public-key"): "untrusted" | "invalid-proof" | "malformed" {
  const { PolicyError, VerificationError } = sigstore().verify
  if (e instanceof PolicyError) return "untrusted"
  if (e instanceof VerificationError) {
    const code = codeOf(e)
    if (code === "PUBLIC_KEY_ERROR") return "untrusted"
    if (code === "SIGNATURE_ERROR") return signer === "public-key" ? "untrusted" : "invalid-proof"
    if (code === "NOT_IMPLEMENTED_ERROR") return "malformed"
    return "invalid-proof"
  }
  return "malformed"
}

/** A thrown error's message with its causes (sigstore-js wraps the telling one), one line. */
export function errorText(e: unknown): string {
  const parts: Array<string> = []
  for (let err: unknown = e; err !== undefined && err !== null && parts.length < 4; err = err instanceof Error ? err.cause : undefined) {
    parts.push(messageOf(err))
  }
  return parts.join(": ").replace(/\s+/g, " ").trim()
}
