/**
 * @module
 * The base image of an add-on: resolved through the registry client for
 * the wanted platform, its config fetched raw (every field is kept in the
 * add-on's config, not just what flwd's Schema reads) and its layers
 * staged by reference — their blobs are reused as they are, fetched only
 * when a layout needs them or the destination registry lacks them.
 */
import * as Effect from "effect/Effect"
import { type Descriptor, parseImageReference, type PlatformSpec, type RegistryClient, RegistryError, resolveImage } from "../oci/mod.ts"
import { ociLayer } from "./image-config.ts"
import type { StagedBlob } from "./staged-image.ts"

/**
 * A resolved base image.
 *
 * @since 0.1.0
 * @category models
 */
export interface BaseImage {
  /** The reference as given, normalised (`org.opencontainers.image.base.name`). */
  readonly name: string
  readonly digest: string
  readonly platform: PlatformSpec
  /** The config JSON as the registry sent it. */
  readonly config: Record<string, unknown>
  readonly layers: ReadonlyArray<StagedBlob>
}

/**
 * Resolves `base` for `platform` (default: the host's).
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveBase(client: RegistryClient, base: string, platform?: PlatformSpec): Effect.Effect<BaseImage, unknown> {
  return Effect.gen(function* () {
    const ref = parseImageReference(base, "base")
    const image = yield* resolveImage(client, ref, { platform })
    const bytes = yield* client.blobBytes(ref, image.manifest.config)
    const config = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>
    const origin = { registry: ref.registry, repository: ref.repository }
    const layers = image.manifest.layers.map((d: Descriptor): StagedBlob => {
      if (d.urls !== undefined && d.urls.length > 0) {
        // Foreign layers live outside the registry; flwd neither fetches nor re-hosts them.
        throw new RegistryError({
          reason: "unsupported-media-type",
          detail: `base layer ${d.digest} is a foreign layer (urls); use a base image without them`,
          ref: ref.normalized
        })
      }
      return { descriptor: ociLayer(d), origin }
    })
    return { name: ref.normalized, digest: image.digest, platform: image.platform, config, layers }
  })
}
