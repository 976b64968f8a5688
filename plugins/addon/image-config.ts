/**
 * @module
 * The image config and manifest of an add-on image (OCI image-spec
 * `config.md`, `manifest.md`): the base image's config with the add-on
 * layer's `diff_id` appended, a history entry and labels, or a minimal
 * config from scratch. Nothing depends on the clock: `created` is written
 * only from `SOURCE_DATE_EPOCH` (reproducible-builds.org), so the same
 * inputs always serialise to the same bytes.
 */
import { type Descriptor, type Digest, MediaType, type PlatformSpec } from "../oci/mod.ts"
import type { AddonManifest } from "../sources/oci/mod.ts"

/**
 * The labels (config) and annotations (manifest) naming the add-on
 * (OCI image-spec `annotations.md` pre-defined keys, plus flwd's own).
 *
 * @since 0.1.0
 * @category constructors
 */
export function addonLabels(manifest: AddonManifest, created?: string): Record<string, string> {
  const meta = manifest.metadata
  return {
    ...(created !== undefined ? { "org.opencontainers.image.created": created } : {}),
    ...(meta.summary !== undefined ? { "org.opencontainers.image.description": meta.summary } : {}),
    ...(meta.license !== undefined ? { "org.opencontainers.image.licenses": meta.license } : {}),
    "org.opencontainers.image.title": meta.name,
    "org.opencontainers.image.version": meta.version,
    "dev.flwd.addon.id": meta.id,
    "dev.flwd.addon.version": meta.version
  }
}

/** RFC 3339 as Go writes it (no fractional seconds) for `SOURCE_DATE_EPOCH` seconds. @since 0.1.0 @category utils */
export function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z")
}

/**
 * What the config is built from.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigInput {
  /** The base image's config as it was fetched (every field is kept), or none. */
  readonly base?: Record<string, unknown>
  readonly platform: PlatformSpec
  readonly diffId: Digest
  /** The `rootfs/` layer's diff id, when the add-on has one (under the add-on layer). */
  readonly rootfsDiffId?: Digest
  readonly labels: Readonly<Record<string, string>>
  readonly created?: string
  /** The history entry's comment. */
  readonly comment: string
}

/**
 * The config JSON bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export function buildConfig(input: ConfigInput): Uint8Array {
  const when = input.created !== undefined ? { created: input.created } : {}
  const own = input.rootfsDiffId !== undefined ? [input.rootfsDiffId, input.diffId] : [input.diffId]
  const history = [
    ...(input.rootfsDiffId !== undefined ? [{ ...when, created_by: "flwd :addon pack", comment: "rootfs/" }] : []),
    { ...when, created_by: "flwd :addon pack", comment: input.comment }
  ]
  if (input.base === undefined) {
    const p = input.platform
    return json({
      ...(input.created !== undefined ? { created: input.created } : {}),
      architecture: p.architecture,
      os: p.os,
      ...(p.variant !== undefined ? { variant: p.variant } : {}),
      config: { Labels: input.labels },
      rootfs: { type: "layers", diff_ids: own },
      history
    })
  }
  const base = input.base
  const inner = (typeof base.config === "object" && base.config !== null ? base.config : {}) as Record<string, unknown>
  const labels = (typeof inner.Labels === "object" && inner.Labels !== null ? inner.Labels : {}) as Record<string, string>
  const rootfs = base.rootfs as { diff_ids: ReadonlyArray<string> }
  const { created: _, ...rest } = base
  return json({
    ...(input.created !== undefined ? { created: input.created } : {}),
    ...rest,
    config: { ...inner, Labels: { ...labels, ...input.labels } },
    rootfs: { type: "layers", diff_ids: [...rootfs.diff_ids, ...own] },
    history: [...(Array.isArray(base.history) ? base.history : []), ...history]
  })
}

/**
 * Docker layer media types become their OCI twins (same bytes, same
 * digest; image-spec `media-types.md` "Compatibility Matrix") so an OCI
 * manifest lists only OCI types, which every consumer, umoci included, takes.
 */
const OCI_TWIN: Readonly<Record<string, string>> = {
  [MediaType.DockerLayer]: MediaType.OciLayer,
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerForeignLayerGzip]: MediaType.OciLayerNondistributableGzip
}

/** A base layer's descriptor as the add-on manifest lists it. @since 0.1.0 @category constructors */
export function ociLayer(d: Descriptor): Descriptor {
  const mediaType = OCI_TWIN[d.mediaType] ?? d.mediaType
  return {
    mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.urls !== undefined ? { urls: d.urls } : {}),
    ...(d.annotations !== undefined ? { annotations: d.annotations } : {})
  }
}

/**
 * The OCI image manifest JSON bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export function buildManifest(config: Descriptor, layers: ReadonlyArray<Descriptor>, annotations: Readonly<Record<string, string>>): Uint8Array {
  return json({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers,
    annotations
  })
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value))
}
