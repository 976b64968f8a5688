/**
 * @module
 * Manifests: resolving a tag to a digest with HEAD, fetching manifests and
 * indexes with the right `Accept`, bounded in size, verified against the
 * digest asked for and validated with the model's Schemas (distribution spec
 * "Pulling manifests", "Pushing manifests").
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { digestOf, splitDigest } from "../digest.ts"
import { RegistryError } from "../errors.ts"
import { type Descriptor, type Digest, Digest as DigestSchema, Index, indexMediaTypes, Manifest, manifestAccept, manifestMediaTypes } from "../model.ts"
import { header, readBounded } from "./_http.ts"
import { pullScope, pushScope, type RepoContext, repoUrl } from "./_repo.ts"
import { errorFromResponse } from "./response-error.ts"

/** Default bound on a manifest or index. @since 0.1.0 @category constants */
export const defaultMaxManifestBytes = 4 * 1024 * 1024

/**
 * A manifest or index as fetched, with its descriptor.
 *
 * @since 0.1.0
 * @category models
 */
export type FetchedManifest =
  | { readonly kind: "manifest"; readonly descriptor: Descriptor; readonly bytes: Uint8Array; readonly manifest: Manifest }
  | { readonly kind: "index"; readonly descriptor: Descriptor; readonly bytes: Uint8Array; readonly index: Index }

const isDigest = Schema.is(DigestSchema)

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]?.trim().toLowerCase() || undefined
}

/**
 * Validates manifest bytes; the media type comes from the document itself,
 * else from `Content-Type`, else from its shape (OCI allows it unset).
 *
 * @since 0.1.0
 * @category constructors
 */
export function decodeManifest(bytes: Uint8Array, contentType: string | undefined, ref: string): FetchedManifest {
  let json: { mediaType?: unknown; manifests?: unknown; config?: unknown }
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"))
  } catch (e) {
    throw new RegistryError({ reason: "invalid-manifest", detail: "manifest is not valid JSON", ref, cause: e })
  }
  if (typeof json !== "object" || json === null) throw new RegistryError({ reason: "invalid-manifest", detail: "manifest is not a JSON object", ref })
  const declared = typeof json.mediaType === "string" ? json.mediaType : mediaTypeOf(contentType)
  const isIndex = declared !== undefined && indexMediaTypes.includes(declared)
  const isManifest = declared !== undefined && manifestMediaTypes.includes(declared)
  if (!isIndex && !isManifest && declared !== undefined && declared !== "application/json" && declared !== "application/octet-stream") {
    throw new RegistryError({ reason: "unsupported-media-type", detail: `unsupported manifest media type ${declared}`, ref })
  }
  const asIndex = isIndex || (!isManifest && Array.isArray(json.manifests))
  const mediaType = declared ?? (asIndex ? indexMediaTypes[0] : manifestMediaTypes[0])
  const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.length } as Descriptor
  const decoded: Either.Either<FetchedManifest, ParseResult.ParseError> = asIndex
    ? Either.map(Schema.decodeUnknownEither(Index)(json, { errors: "all" }), (index) => ({ kind: "index" as const, descriptor, bytes, index }))
    : Either.map(Schema.decodeUnknownEither(Manifest)(json, { errors: "all" }), (manifest) => ({ kind: "manifest" as const, descriptor, bytes, manifest }))
  if (Either.isLeft(decoded)) {
    const detail = ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n").slice(0, 6).join(" ")
    throw new RegistryError({ reason: "invalid-manifest", detail: `invalid ${asIndex ? "index" : "manifest"}: ${detail}`, ref })
  }
  return decoded.right
}

/**
 * Fetches a manifest or index by tag or digest. With a digest, the bytes
 * must hash to it.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function getManifest(ctx: RepoContext, reference: string, maxBytes = defaultMaxManifestBytes): Promise<FetchedManifest> {
  const ref = `${ctx.name}${isDigest(reference) ? "@" : ":"}${reference}`
  const res = await ctx.transport({
    method: "GET",
    url: repoUrl(ctx, `manifests/${reference}`),
    headers: { accept: manifestAccept },
    kind: "manifest",
    scopes: pullScope(ctx),
    signal: ctx.signal
  })
  if (res.status !== 200) throw await errorFromResponse(res, `manifest ${reference}`, ref)
  const bytes = await readBounded(res, maxBytes, ref)
  const fetched = decodeManifest(bytes, header(res, "content-type"), ref)
  if (isDigest(reference)) {
    const actual = digestOf(bytes, splitDigest(reference).algorithm)
    if (actual !== reference) {
      throw new RegistryError({ reason: "digest-mismatch", detail: `manifest bytes hash to ${actual}, not ${reference}`, ref })
    }
    return { ...fetched, descriptor: { ...fetched.descriptor, digest: reference as Digest } }
  }
  return fetched
}

/**
 * Resolves a tag or digest to its descriptor with HEAD (`Docker-Content-Digest`),
 * falling back to GET when HEAD fails or says too little, so errors carry the
 * registry's code.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function headManifest(ctx: RepoContext, reference: string, maxBytes = defaultMaxManifestBytes): Promise<Descriptor> {
  const res = await ctx.transport({
    method: "HEAD",
    url: repoUrl(ctx, `manifests/${reference}`),
    headers: { accept: manifestAccept },
    kind: "manifest",
    scopes: pullScope(ctx),
    signal: ctx.signal
  })
  res.body.resume()
  const digest = header(res, "docker-content-digest")
  const mediaType = mediaTypeOf(header(res, "content-type"))
  const size = Number(header(res, "content-length"))
  const known = mediaType !== undefined && [...manifestMediaTypes, ...indexMediaTypes].includes(mediaType)
  if (
    res.status === 200 && digest !== undefined && isDigest(digest) && known && Number.isSafeInteger(size) && size <= maxBytes &&
    (!isDigest(reference) || digest === reference)
  ) {
    return { mediaType, digest, size } as Descriptor
  }
  return (await getManifest(ctx, reference, maxBytes)).descriptor
}

/**
 * Uploads a manifest under a tag or digest; returns its digest.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function putManifest(ctx: RepoContext, reference: string, bytes: Uint8Array, mediaType: string): Promise<Digest> {
  const res = await ctx.transport({
    method: "PUT",
    url: repoUrl(ctx, `manifests/${reference}`),
    headers: { "content-type": mediaType },
    kind: "manifest",
    body: bytes,
    scopes: pushScope(ctx),
    signal: ctx.signal
  })
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await errorFromResponse(res, `manifest upload ${reference}`, ctx.name)
  res.body.resume()
  return digestOf(bytes)
}
