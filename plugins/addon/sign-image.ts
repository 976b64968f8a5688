/**
 * @module
 * `signImage`: a cosign-compatible key-based signature (cosign
 * `specs/SIGNATURE_SPEC.md`). The "simple signing" payload names the
 * repository and the manifest digest; its bytes are signed with ECDSA
 * P-256 over SHA-256 (ASN.1 DER signature, base64 in the layer annotation
 * `dev.cosignproject.cosign/signature`) and pushed as a layer of media type
 * `application/vnd.dev.cosign.simplesigning.v1+json` in an OCI manifest
 * tagged `sha256-<hex>.sig` in the image's repository. Signatures already
 * there are kept: ours is appended, and not twice for one key.
 */
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto"
import { readFile } from "node:fs/promises"
import * as Effect from "effect/Effect"
import { ValidationError } from "../../core/mod.ts"
import {
  type Descriptor,
  type Digest,
  digestOf,
  makeRegistryClient,
  type Manifest,
  MediaType,
  messageOf,
  parseImageReference,
  type RegistryClient,
  RegistryError,
  type RegistryOptions,
  splitDigest
} from "../oci/mod.ts"
import { runAddonEffect } from "./_run.ts"
import { loadSigningKey } from "./keys.ts"
import { uploadBlob } from "./upload-blob.ts"

/** @since 0.1.0 @category constants */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
/** @since 0.1.0 @category constants */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"

/**
 * Options of `signImage`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignImageOptions {
  /** The image to sign, by tag or digest. */
  readonly ref: string
  /** The private key: PEM text, a path to a PEM file, or a key object. */
  readonly key: string | KeyObject
  /** Default: a new client with `registry` options, closed afterwards. */
  readonly client?: RegistryClient
  readonly registry?: RegistryOptions
}

/**
 * A pushed signature.
 *
 * @since 0.1.0
 * @category models
 */
export interface SignResult {
  /** The signed manifest digest. */
  readonly digest: Digest
  /** `registry/repository@digest`. */
  readonly ref: string
  /** `registry/repository:sha256-<hex>.sig`. */
  readonly signatureRef: string
  /** Digest of the signature manifest. */
  readonly signatureDigest: Digest
  /** The payload that was signed, as sent. */
  readonly payload: string
  /** Base64 DER ECDSA signature. */
  readonly signature: string
  /** False when this key had signed the image already (nothing was pushed). */
  readonly added: boolean
}

/**
 * The simple-signing payload for `registry/repository` at `digest`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function simpleSigningPayload(repository: string, digest: string): string {
  return JSON.stringify({
    critical: { identity: { "docker-reference": repository }, image: { "docker-manifest-digest": digest }, type: "cosign container image signature" },
    optional: null
  })
}

/** The tag cosign stores signatures of `digest` under. @since 0.1.0 @category utils */
export function signatureTag(digest: string): string {
  const { algorithm, hex } = splitDigest(digest)
  return `${algorithm}-${hex}.sig`
}

const EMPTY_CONFIG = Buffer.from("{}")

function signEffect(client: RegistryClient, options: SignImageOptions, key: KeyObject): Effect.Effect<SignResult, unknown> {
  return Effect.gen(function* () {
    const ref = parseImageReference(options.ref, "ref")
    const repo = { registry: ref.registry, repository: ref.repository }
    const name = `${ref.registry}/${ref.repository}`
    const { digest } = yield* client.resolve(ref)
    const payload = simpleSigningPayload(name, digest)
    const payloadBytes = Buffer.from(payload)
    const publicKey = createPublicKey(key)
    const tag = signatureTag(digest)
    const existing: Manifest | null = yield* client.manifest(repo, tag).pipe(
      Effect.map((m) => (m.kind === "manifest" ? m.manifest : null)),
      Effect.catchIf((e: RegistryError) => e.reason === "not-found", () => Effect.succeed(null))
    )
    const payloadDigest = digestOf(payloadBytes)
    const ours = (existing?.layers ?? []).find((l) => {
      const sig = l.annotations?.[SIGNATURE_ANNOTATION]
      return l.digest === payloadDigest && sig !== undefined && verify("sha256", payloadBytes, publicKey, Buffer.from(sig, "base64"))
    })
    const signatureRef = `${name}:${tag}`
    if (ours !== undefined) {
      const current = yield* client.resolve({ ...ref, tag, digest: null, normalized: signatureRef })
      return {
        digest,
        ref: `${name}@${digest}`,
        signatureRef,
        signatureDigest: current.digest,
        payload,
        signature: ours.annotations![SIGNATURE_ANNOTATION],
        added: false
      }
    }
    const signature = sign("sha256", payloadBytes, key).toString("base64")
    const layer: Descriptor = {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      digest: payloadDigest,
      size: payloadBytes.length,
      annotations: { [SIGNATURE_ANNOTATION]: signature }
    }
    const config: Descriptor = { mediaType: MediaType.OciConfig, digest: digestOf(EMPTY_CONFIG), size: EMPTY_CONFIG.length }
    yield* uploadBlob(client, repo, { descriptor: layer, bytes: payloadBytes })
    yield* uploadBlob(client, repo, { descriptor: config, bytes: EMPTY_CONFIG })
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config,
      layers: [...(existing?.layers ?? []), layer]
    }))
    const signatureDigest = yield* client.putManifest(repo, tag, manifest, MediaType.OciManifest)
    return { digest, ref: `${name}@${digest}`, signatureRef, signatureDigest, payload, signature, added: true }
  })
}

async function readKeyFile(path: string): Promise<string> {
  return readFile(path, "utf8").catch((e: unknown) => {
    throw new ValidationError({
      code: "validation.failed",
      detail: `Cannot read the key ${path}: ${messageOf(e)}`,
      errors: [{ path: "key", message: "cannot be read" }]
    })
  })
}

/**
 * Signs an image in its registry. Fails with `E_OCI` when the image does
 * not exist (`MANIFEST_UNKNOWN`) or the push is refused, and with
 * `validation.failed` for a key that is not an unencrypted P-256 key.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * await signImage({ ref: "127.0.0.1:5000/example/addon:1.0.0", key: "key.pem" })
 * ```
 */
export async function signImage(options: SignImageOptions): Promise<SignResult> {
  const key = typeof options.key !== "string" ? options.key : loadSigningKey(options.key.includes("-----BEGIN") ? options.key : await readKeyFile(options.key))
  const client = options.client ?? makeRegistryClient(options.registry)
  try {
    return await runAddonEffect(signEffect(client, options, key), options.ref)
  } finally {
    if (options.client === undefined) await Effect.runPromise(client.close)
  }
}
