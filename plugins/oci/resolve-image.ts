/**
 * @module
 * Resolves a reference to one image: the manifest (choosing the platform
 * from an index), and the validated config. Manifests, indexes and configs
 * are kept in the blob cache, so a digest-pinned reference that was pulled
 * before resolves without the network.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { BlobStore } from "./blob-store.ts"
import { type BlobStoreError, messageOf, RegistryError, UnpackError } from "./errors.ts"
import { type Descriptor, type Digest, ImageConfig, type Manifest } from "./model.ts"
import { availablePlatforms, formatPlatform, hostPlatform, type PlatformSpec, selectManifest } from "./platform.ts"
import { type ImageReference, manifestReference } from "./reference.ts"
import type { RegistryClient } from "./registry/client.ts"
import { decodeManifest, type FetchedManifest } from "./registry/manifests.ts"
import { compressionOf } from "./unpack/decompress.ts"

/**
 * One image, ready to pull.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedImage {
  readonly ref: ImageReference
  /** Digest of the platform's image manifest (names the rootfs). */
  readonly digest: Digest
  /** Digest of the index the manifest was chosen from, if any. */
  readonly indexDigest: Digest | null
  /** What the reference itself points at: the index digest, else the manifest digest. */
  readonly resolvedDigest: Digest
  readonly platform: PlatformSpec
  readonly manifest: Manifest
  readonly config: ImageConfig
}

/** Manifests nested deeper than this (index → index → …) are refused. */
const MAX_DEPTH = 3

function fetchManifest(
  client: RegistryClient,
  store: BlobStore | undefined,
  ref: ImageReference,
  reference: string
): Effect.Effect<FetchedManifest, RegistryError | BlobStoreError> {
  return Effect.gen(function* () {
    const pinned = reference.includes(":") ? (reference as Digest) : null
    if (store !== undefined && pinned !== null && (yield* store.has(pinned))) {
      const bytes = yield* store.read(pinned)
      return yield* Effect.try({
        try: () => decodeManifest(bytes, undefined, `${ref.registry}/${ref.repository}@${pinned}`),
        catch: (e) => e instanceof RegistryError ? e : new RegistryError({ reason: "invalid-manifest", detail: messageOf(e), cause: e })
      })
    }
    const fetched = yield* client.manifest(ref, reference)
    if (store !== undefined) yield* store.put(fetched.bytes)
    return fetched
  })
}

function fetchConfig(
  client: RegistryClient,
  store: BlobStore | undefined,
  ref: ImageReference,
  descriptor: Descriptor
): Effect.Effect<ImageConfig, RegistryError | BlobStoreError> {
  return Effect.gen(function* () {
    const cached = store !== undefined && (yield* store.has(descriptor.digest, descriptor.size))
    const bytes = cached ? yield* store!.read(descriptor.digest) : yield* client.blobBytes(ref, descriptor)
    if (store !== undefined && !cached) yield* store.put(bytes)
    const where = `${ref.registry}/${ref.repository}@${descriptor.digest}`
    let json: unknown
    try {
      json = JSON.parse(Buffer.from(bytes).toString("utf8"))
    } catch (e) {
      return yield* Effect.fail(new RegistryError({ reason: "invalid-manifest", detail: "image config is not valid JSON", ref: where, cause: e }))
    }
    const decoded = Schema.decodeUnknownEither(ImageConfig)(json, { errors: "all" })
    if (Either.isLeft(decoded)) {
      const detail = ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n").slice(0, 6).join(" ")
      return yield* Effect.fail(new RegistryError({ reason: "invalid-manifest", detail: `invalid image config: ${detail}`, ref: where }))
    }
    return decoded.right
  })
}

/**
 * Resolves `ref` for `platform` (default: the host's).
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveImage(
  client: RegistryClient,
  ref: ImageReference,
  options: { readonly platform?: PlatformSpec; readonly store?: BlobStore } = {}
): Effect.Effect<ResolvedImage, RegistryError | BlobStoreError | UnpackError> {
  const want = options.platform ?? hostPlatform()
  return Effect.gen(function* () {
    let fetched = yield* fetchManifest(client, options.store, ref, manifestReference(ref))
    const resolvedDigest = fetched.descriptor.digest
    let indexDigest: Digest | null = null
    for (let depth = 0; fetched.kind === "index"; depth++) {
      if (depth >= MAX_DEPTH) {
        return yield* Effect.fail(new RegistryError({ reason: "invalid-manifest", detail: `indexes nested more than ${MAX_DEPTH} deep`, ref: ref.normalized }))
      }
      indexDigest = fetched.descriptor.digest
      const chosen = selectManifest(fetched.index, want)
      if (chosen === undefined) {
        const offered = availablePlatforms(fetched.index)
        return yield* Effect.fail(
          new RegistryError({
            reason: "platform-not-found",
            detail: `no manifest for ${formatPlatform(want)}; the index offers ${offered.length > 0 ? offered.join(", ") : "no platforms"}`,
            ref: ref.normalized
          })
        )
      }
      fetched = yield* fetchManifest(client, options.store, ref, chosen.digest)
      if (fetched.descriptor.digest !== chosen.digest) {
        return yield* Effect.fail(
          new RegistryError({
            reason: "digest-mismatch",
            detail: `manifest is ${fetched.descriptor.digest}, the index says ${chosen.digest}`,
            ref: ref.normalized
          })
        )
      }
    }
    const manifest = fetched.manifest
    // Refuse layers that cannot be unpacked before downloading anything.
    yield* Effect.try({
      try: () => manifest.layers.forEach((l) => compressionOf(l.mediaType, l.digest)),
      catch: (e) => e instanceof UnpackError ? e : new UnpackError({ reason: "unsupported-media-type", detail: messageOf(e), cause: e })
    })
    const config = yield* fetchConfig(client, options.store, ref, manifest.config)
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      return yield* Effect.fail(
        new RegistryError({
          reason: "invalid-manifest",
          detail: `manifest lists ${manifest.layers.length} layers, the config ${config.rootfs.diff_ids.length} diff ids`,
          ref: ref.normalized
        })
      )
    }
    const platform: PlatformSpec = config.variant !== undefined
      ? { os: config.os, architecture: config.architecture, variant: config.variant }
      : { os: config.os, architecture: config.architecture }
    return { ref, digest: fetched.descriptor.digest, indexDigest, resolvedDigest, platform, manifest, config }
  })
}
