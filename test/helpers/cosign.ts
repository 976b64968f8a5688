/**
 * @module
 * An independent cosign signer for tests, written against the cosign
 * specification rather than flwd's code: simple-signing payloads signed with
 * node:crypto and pushed as `sha256-<hex>.sig` manifests (cosign
 * `specs/SIGNATURE_SPEC.md`), and Sigstore bundles attached as OCI 1.1
 * referrers through the referrers tag schema `sha256-<hex>` that cosign 3
 * writes when a registry lacks the referrers API (OCI distribution spec
 * "Unavailable Referrers API"). Everything goes through the registry API.
 */
import { type KeyObject, sign } from "node:crypto"
import { type Blob, pushBlob, pushManifest, sha256 } from "./oci-image.ts"

/** cosign's media types and annotations (SIGNATURE_SPEC.md). */
export const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
export const BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
const OCI_INDEX = "application/vnd.oci.image.index.v1+json"
const OCI_EMPTY = "application/vnd.oci.empty.v1+json"

const blob = (mediaType: string, bytes: Buffer): Blob => ({ mediaType, bytes, digest: sha256(bytes), size: bytes.length })

/** `sha256:<hex>` → `sha256-<hex>`, the tag prefix cosign and the referrers tag schema use. */
export function digestTag(digest: string): string {
  return digest.replace(":", "-")
}

/** The simple-signing payload cosign signs for an image. */
export function simpleSigningPayload(dockerReference: string, digest: string, extra: { readonly type?: string; readonly optional?: object } = {}): Buffer {
  return Buffer.from(JSON.stringify({
    critical: {
      identity: { "docker-reference": dockerReference },
      image: { "docker-manifest-digest": digest },
      type: extra.type ?? "cosign container image signature"
    },
    optional: extra.optional ?? null
  }))
}

/**
 * Signs bytes as cosign does for each key type: ECDSA over SHA-256 with an
 * ASN.1 DER signature, Ed25519 over the message itself, RSA PKCS#1 v1.5
 * with SHA-256. Returns base64.
 */
export function signBytes(payload: Uint8Array, privateKey: KeyObject): string {
  const type = privateKey.asymmetricKeyType
  const signature = type === "ed25519" ? sign(null, payload, privateKey) : sign("sha256", payload, privateKey)
  return signature.toString("base64")
}

/** One layer of a `.sig` manifest. */
export interface SignatureLayer {
  readonly payload: Uint8Array
  /** Base64; omitted to build a malformed layer. */
  readonly signature?: string
  readonly mediaType?: string
  readonly annotations?: Readonly<Record<string, string>>
}

/**
 * Pushes a cosign signature manifest for `digest` under `sha256-<hex>.sig`,
 * one layer per signature, with cosign's config shape. Returns the manifest.
 */
export async function pushSignatures(registryUrl: string, repo: string, digest: string, layers: ReadonlyArray<SignatureLayer>): Promise<Blob> {
  const blobs = layers.map((l) => blob(l.mediaType ?? SIMPLE_SIGNING, Buffer.from(l.payload)))
  const config = blob(
    "application/vnd.oci.image.config.v1+json",
    Buffer.from(JSON.stringify({
      architecture: "",
      created: "0001-01-01T00:00:00Z",
      history: blobs.map(() => ({ created: "0001-01-01T00:00:00Z" })),
      os: "",
      rootfs: { type: "layers", diff_ids: blobs.map((b) => b.digest) },
      config: {}
    }))
  )
  for (const b of [...blobs, config]) await pushBlob(registryUrl, repo, b)
  const manifest = blob(
    OCI_MANIFEST,
    Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: blobs.map((b, i) => ({
        mediaType: b.mediaType,
        digest: b.digest,
        size: b.size,
        annotations: {
          ...(layers[i].signature !== undefined ? { [SIGNATURE_ANNOTATION]: layers[i].signature } : {}),
          ...layers[i].annotations
        }
      }))
    }))
  )
  await pushManifest(registryUrl, repo, `${digestTag(digest)}.sig`, manifest)
  return manifest
}

/** Signs `digest` with `privateKey` and pushes the `.sig` manifest: what `cosign sign --key` does. */
export async function cosignSign(registryUrl: string, repo: string, digest: string, privateKey: KeyObject, dockerReference = repo): Promise<Buffer> {
  const payload = simpleSigningPayload(dockerReference, digest)
  await pushSignatures(registryUrl, repo, digest, [{ payload, signature: signBytes(payload, privateKey) }])
  return payload
}

/** The image a referrer points at. */
export interface Subject {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

/** The artifact manifest cosign 3 writes for a bundle (artifactType, empty config, the bundle layer, the subject). */
export function bundleManifest(subject: Subject, bundle: Blob, artifactType = BUNDLE_V03): Blob {
  return blob(
    OCI_MANIFEST,
    Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: OCI_EMPTY, digest: sha256(Buffer.from("{}")), size: 2 },
      layers: [{ mediaType: bundle.mediaType, digest: bundle.digest, size: bundle.size }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1" }
    }))
  )
}

/**
 * Attaches a Sigstore bundle to `subject` as a referrer and lists it in the
 * referrers tag `sha256-<hex>` (an OCI index, extended when it exists).
 * Returns the artifact manifest.
 */
export async function attachBundle(registryUrl: string, repo: string, subject: Subject, bundleJson: string, artifactType = BUNDLE_V03): Promise<Blob> {
  const bundle = blob(artifactType, Buffer.from(bundleJson))
  await pushBlob(registryUrl, repo, bundle)
  await pushBlob(registryUrl, repo, blob(OCI_EMPTY, Buffer.from("{}")))
  const manifest = bundleManifest(subject, bundle, artifactType)
  await pushManifest(registryUrl, repo, manifest.digest, manifest)
  const tag = digestTag(subject.digest)
  const existing = await fetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_INDEX } })
  const manifests: Array<object> = existing.status === 200 ? ((await existing.json()) as { manifests: Array<object> }).manifests : []
  if (existing.status !== 200) await existing.arrayBuffer()
  manifests.push({
    mediaType: OCI_MANIFEST,
    digest: manifest.digest,
    size: manifest.size,
    artifactType,
    annotations: { "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1" }
  })
  await pushManifest(registryUrl, repo, tag, blob(OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))))
  return manifest
}
