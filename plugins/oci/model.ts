/**
 * @module
 * The image model: digests, descriptors, image manifests, indexes and image
 * configs, as Schemas that validate what a registry sends before anything
 * acts on it. Docker v2 schema 2 documents share the OCI shapes (OCI image
 * spec `manifest.md`, `image-index.md`, `descriptor.md`, `config.md`), so one
 * Schema covers both; only the media types differ.
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category media types */
export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  OciLayerNondistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  OciLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  OciLayerNondistributableZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
} as const

/** Media types of single-platform image manifests. @since 0.1.0 @category media types */
export const manifestMediaTypes: ReadonlyArray<string> = [MediaType.OciManifest, MediaType.DockerManifest]
/** Media types of indexes (manifest lists). @since 0.1.0 @category media types */
export const indexMediaTypes: ReadonlyArray<string> = [MediaType.OciIndex, MediaType.DockerManifestList]
/** Media types of layers flwd can unpack. @since 0.1.0 @category media types */
export const layerMediaTypes: ReadonlyArray<string> = [
  MediaType.OciLayer,
  MediaType.OciLayerGzip,
  MediaType.OciLayerZstd,
  MediaType.OciLayerNondistributable,
  MediaType.OciLayerNondistributableGzip,
  MediaType.OciLayerNondistributableZstd,
  MediaType.DockerLayer,
  MediaType.DockerLayerGzip,
  MediaType.DockerForeignLayerGzip
]

/**
 * The `Accept` header for manifest requests: both OCI and docker v2 schema 2,
 * manifests and indexes (distribution spec "Pulling manifests").
 *
 * @since 0.1.0
 * @category media types
 */
export const manifestAccept: string = [...manifestMediaTypes, ...indexMediaTypes].join(", ")

/**
 * `algorithm:hex`; flwd verifies sha256 and sha512 (OCI descriptor.md "Registered algorithms").
 *
 * @since 0.1.0
 * @category models
 */
export const Digest = Schema.String.pipe(
  Schema.pattern(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/),
  Schema.brand("Digest")
)
/** @since 0.1.0 @category models */
export type Digest = typeof Digest.Type

/** @since 0.1.0 @category models */
export const Platform = Schema.Struct({
  architecture: Schema.String,
  os: Schema.String,
  "os.version": Schema.optional(Schema.String),
  "os.features": Schema.optional(Schema.Array(Schema.String)),
  variant: Schema.optional(Schema.String),
  features: Schema.optional(Schema.Array(Schema.String))
})
/** @since 0.1.0 @category models */
export type Platform = typeof Platform.Type

const Annotations = Schema.Record({ key: Schema.String, value: Schema.String })

/** @since 0.1.0 @category models */
export const Descriptor = Schema.Struct({
  mediaType: Schema.String,
  digest: Digest,
  size: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  urls: Schema.optional(Schema.Array(Schema.String)),
  annotations: Schema.optional(Annotations),
  platform: Schema.optional(Platform),
  artifactType: Schema.optional(Schema.String)
})
/** @since 0.1.0 @category models */
export type Descriptor = typeof Descriptor.Type

/** A single-platform image manifest (OCI or docker v2 schema 2). @since 0.1.0 @category models */
export const Manifest = Schema.Struct({
  schemaVersion: Schema.Literal(2),
  mediaType: Schema.optional(Schema.String),
  artifactType: Schema.optional(Schema.String),
  config: Descriptor,
  layers: Schema.Array(Descriptor),
  subject: Schema.optional(Descriptor),
  annotations: Schema.optional(Annotations)
})
/** @since 0.1.0 @category models */
export type Manifest = typeof Manifest.Type

/** An index (OCI) or manifest list (docker). @since 0.1.0 @category models */
export const Index = Schema.Struct({
  schemaVersion: Schema.Literal(2),
  mediaType: Schema.optional(Schema.String),
  artifactType: Schema.optional(Schema.String),
  manifests: Schema.Array(Descriptor),
  subject: Schema.optional(Descriptor),
  annotations: Schema.optional(Annotations)
})
/** @since 0.1.0 @category models */
export type Index = typeof Index.Type

/** The parts of an image config flwd reads (OCI config.md). @since 0.1.0 @category models */
export const ImageConfig = Schema.Struct({
  architecture: Schema.String,
  os: Schema.String,
  variant: Schema.optional(Schema.String),
  created: Schema.optional(Schema.String),
  config: Schema.optional(Schema.NullOr(Schema.Struct({
    User: Schema.optional(Schema.String),
    Env: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
    Entrypoint: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
    Cmd: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
    WorkingDir: Schema.optional(Schema.String),
    Labels: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String })))
  }))),
  rootfs: Schema.Struct({
    type: Schema.Literal("layers"),
    diff_ids: Schema.Array(Digest)
  })
})
/** @since 0.1.0 @category models */
export type ImageConfig = typeof ImageConfig.Type

/** True for an index or manifest list media type. @since 0.1.0 @category guards */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && indexMediaTypes.includes(mediaType)
}
