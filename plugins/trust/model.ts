/**
 * @module
 * What verification reports, and the media types and annotations it reads
 * (cosign `specs/SIGNATURE_SPEC.md`, Sigstore bundle spec, OCI image spec
 * 1.1 "Artifact" and distribution spec "Listing Referrers").
 */
import type { SignatureMode } from "../sources/oci/policy/mod.ts"

/**
 * Where signatures are looked for: the cosign tag `sha256-<hex>.sig`, the
 * OCI 1.1 referrers API, and the referrers tag schema `sha256-<hex>`.
 *
 * @since 0.1.0
 * @category models
 */
export type DiscoveryPath = "cosign-tag" | "referrers-api" | "referrers-tag"

/**
 * What one discovery path did: whether it was tried, how many signatures it
 * found, whether one of them verified.
 *
 * @since 0.1.0
 * @category models
 */
export interface PathReport {
  readonly path: DiscoveryPath
  readonly tried: boolean
  readonly found: number
  readonly matched: boolean
  /** `not found`, `unsupported`, `2 signatures, none trusted`, … */
  readonly detail?: string
}

/** The three paths, in the order they are tried. @since 0.1.0 @category models */
export type DiscoveryReport = ReadonlyArray<PathReport>

/**
 * The outcome kept in a source's provenance and shown in plans and runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageTrust {
  readonly mode: SignatureMode
  readonly verified: boolean
  /** `key:<name>` or `<certificate subject> (<issuer>)`; null when not verified. */
  readonly signer: string | null
  readonly reason: string
  readonly discovery: DiscoveryReport
}

/** @since 0.1.0 @category media types */
export const TrustMediaType = {
  /** A cosign simple-signing payload layer. */
  SimpleSigning: "application/vnd.dev.cosign.simplesigning.v1+json",
  /** Sigstore bundle v0.3, as cosign 3 attaches it. */
  BundleV03: "application/vnd.dev.sigstore.bundle.v0.3+json",
  InToto: "application/vnd.in-toto+json",
  OciIndex: "application/vnd.oci.image.index.v1+json"
} as const

/** Sigstore bundle media types v0.1–v0.3, as artifact or layer types. @since 0.1.0 @category media types */
export const bundleMediaTypes: ReadonlyArray<string> = [
  "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
  TrustMediaType.BundleV03
]

/** True for a Sigstore bundle media type (parameters and case normalised). @since 0.1.0 @category guards */
export function isBundleMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && bundleMediaTypes.includes(mediaType.toLowerCase().replace(/\s+/g, ""))
}

/** cosign's annotations on a `.sig` layer. @since 0.1.0 @category media types */
export const CosignAnnotation = {
  Signature: "dev.cosignproject.cosign/signature",
  Certificate: "dev.sigstore.cosign/certificate",
  Chain: "dev.sigstore.cosign/chain",
  /** The legacy Rekor bundle (signed entry timestamp and entry). */
  Bundle: "dev.sigstore.cosign/bundle",
  Rfc3161Timestamp: "dev.sigstore.cosign/rfc3161timestamp",
  /** On a referrer: the in-toto predicate type of the bundle inside. */
  PredicateType: "dev.sigstore.bundle.predicateType"
} as const

/** The predicate type of cosign 3's image signature statement. @since 0.1.0 @category media types */
export const COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1"

/** The `critical.type` of a cosign simple-signing payload. @since 0.1.0 @category media types */
export const COSIGN_PAYLOAD_TYPE = "cosign container image signature"
