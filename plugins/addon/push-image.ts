/**
 * @module
 * `pushImage`: puts a staged image (or one image of an OCI layout) into a
 * registry — every blob first (HEAD skip, cross-repository mount, monolithic
 * or chunked upload; see upload-blob.ts), a few at a time, then the
 * manifest under the reference's tag or digest (distribution spec
 * "Pushing manifests": the blobs must exist before the manifest that
 * names them).
 */
import * as Effect from "effect/Effect"
import { type Digest, makeRegistryClient, parseImageReference, type RegistryClient, type RegistryOptions } from "../oci/mod.ts"
import { asProblem, runAddonEffect } from "./_run.ts"
import { readOciLayout } from "./oci-layout.ts"
import type { StagedImage } from "./staged-image.ts"
import { type BlobOutcome, uploadBlob, type UploadOptions } from "./upload-blob.ts"

/**
 * Progress of a push, one event per blob state.
 *
 * @since 0.1.0
 * @category models
 */
export type PushProgress =
  | { readonly type: "blob"; readonly digest: Digest; readonly size: number; readonly state: "uploading" | BlobOutcome }
  | { readonly type: "bytes"; readonly digest: Digest; readonly size: number; readonly sent: number }

/**
 * Options of `pushImage`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushImageOptions extends UploadOptions {
  /** A staged image, or the path of an OCI layout (its image named by the ref's tag, or its only image). */
  readonly image: StagedImage | string
  /** Where to push: `registry/repository:tag` (or `@digest`). */
  readonly ref: string
  /** Default: a new client with `registry` options, closed afterwards. */
  readonly client?: RegistryClient
  readonly registry?: RegistryOptions
  /** Blobs pushed at once. Default 3. */
  readonly concurrency?: number
  readonly onProgress?: (event: PushProgress) => void
}

/**
 * What a push did.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushResult {
  /** The manifest digest. */
  readonly digest: Digest
  /** The reference pushed to, normalised. */
  readonly ref: string
  /** Manifest size in bytes. */
  readonly size: number
  readonly mediaType: string
  readonly blobs: { readonly uploaded: number; readonly mounted: number; readonly skipped: number }
}

/**
 * Pushes with an existing client, as an Effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export function pushStaged(
  client: RegistryClient,
  image: StagedImage,
  target: string,
  options: Omit<PushImageOptions, "image" | "ref" | "client" | "registry"> = {}
): Effect.Effect<PushResult, unknown> {
  return Effect.gen(function* () {
    const ref = parseImageReference(target, "ref")
    const progress = options.onProgress ?? (() => {})
    const counts = { uploaded: 0, mounted: 0, skipped: 0 }
    yield* Effect.forEach(image.blobs, (blob) => {
      const { digest, size } = blob.descriptor
      let sent = 0
      progress({ type: "blob", digest, size, state: "uploading" })
      return uploadBlob(client, ref, blob, {
        chunkSize: options.chunkSize,
        restarts: options.restarts,
        onBytes: (n) => progress({ type: "bytes", digest, size, sent: sent += n })
      }).pipe(Effect.tap((outcome) =>
        Effect.sync(() => {
          counts[outcome === "exists" ? "skipped" : outcome]++
          progress({ type: "blob", digest, size, state: outcome })
        })
      ))
    }, { concurrency: Math.max(1, options.concurrency ?? 3), discard: true })
    const reference = ref.digest ?? ref.tag ?? "latest"
    const digest = yield* client.putManifest(ref, reference, image.manifestBytes, image.manifest.mediaType)
    return { digest, ref: ref.normalized, size: image.manifestBytes.length, mediaType: image.manifest.mediaType, blobs: counts }
  })
}

/**
 * Pushes an image to a registry; resolves with the manifest digest. Fails
 * with `E_OCI` naming the registry's own error (`UNAUTHORIZED`,
 * `BLOB_UPLOAD_UNKNOWN`, …) after retries of passing failures.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const { digest } = await pushImage({ image: "build/layout", ref: "127.0.0.1:5000/example/addon:1.0.0" })
 * ```
 */
export async function pushImage(options: PushImageOptions): Promise<PushResult> {
  const client = options.client ?? makeRegistryClient(options.registry)
  try {
    const image = typeof options.image === "string"
      ? await readOciLayout(options.image, explicitTag(options.ref)).catch((e) => Promise.reject(asProblem(e, options.image as string)))
      : options.image
    return await runAddonEffect(pushStaged(client, image, options.ref, options), options.ref)
  } finally {
    if (options.client === undefined) await Effect.runPromise(client.close)
  }
}

/** The tag a reference spells out, if any (`parseImageReference` defaults it to `latest`). */
function explicitTag(ref: string): string | undefined {
  const name = ref.replace(/@.*$/, "")
  const last = name.slice(name.lastIndexOf("/") + 1)
  return last.includes(":") ? (parseImageReference(ref, "ref").tag ?? undefined) : undefined
}
