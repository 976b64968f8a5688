/**
 * @module
 * Pulls an image into `addons/<manifest-digest>/rootfs` (DESIGN §5 steps
 * 4, 6, 7): resolve, then unpack the layers in order while later layers are
 * fetched into the cache in parallel (bounded). A layer not yet cached is
 * streamed once: download → verify → decompress → untar, its bytes teed into
 * the cache file, which is committed only when the digest matched. The rootfs
 * is renamed into place only after every layer was verified.
 */
import { stat } from "node:fs/promises"
import { Readable } from "node:stream"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { BlobLease, BlobStore } from "./blob-store.ts"
import { orAbort, settled } from "./_settled.ts"
import { BlobStoreError, type OciError } from "./errors.ts"
import { addonRootfsPath } from "./layout.ts"
import type { Descriptor, Digest } from "./model.ts"
import type { PlatformSpec } from "./platform.ts"
import type { ImageReference } from "./reference.ts"
import type { RegistryClient, Repository } from "./registry/client.ts"
import { resolveImage, type ResolvedImage } from "./resolve-image.ts"
import { compressionOf } from "./unpack/decompress.ts"
import type { UnpackLimits } from "./unpack/limits.ts"
import { type OpenedLayer, unpackImageAsync, type UnpackResult } from "./unpack/unpack-image.ts"

/**
 * Progress of a pull, for the CLI (bars) and the server (events).
 *
 * @since 0.1.0
 * @category models
 */
export type PullProgress =
  | { readonly type: "resolved"; readonly digest: Digest; readonly platform: string; readonly layers: number; readonly bytes: number }
  | { readonly type: "layer"; readonly index: number; readonly digest: Digest; readonly size: number; readonly state: "cached" | "downloading" | "fetched" | "unpacked"; readonly bytes?: number }

/**
 * Options of `pullImage`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PullOptions {
  readonly ref: ImageReference
  readonly store: BlobStore
  /** Rootfs directory for a manifest digest. Default `<store.dir>/addons/<digest>/rootfs`. */
  readonly destination?: (digest: Digest) => string
  /** Default: the host platform. */
  readonly platform?: PlatformSpec
  readonly limits?: UnpackLimits
  /** Layers downloaded at once. Default 3. */
  readonly concurrency?: number
  readonly onProgress?: (event: PullProgress) => void
}

/**
 * A pulled image.
 *
 * @since 0.1.0
 * @category models
 */
export interface PulledImage extends ResolvedImage {
  readonly rootfs: string
  /** The rootfs was already there; no layer was fetched. */
  readonly reused: boolean
  /** Compressed bytes downloaded by this pull. */
  readonly downloadedBytes: number
}

/**
 * Fetches blobs into the cache, at most `concurrency` (default 3) at a time;
 * blobs already cached or being fetched by another pull are not fetched
 * again. Returns their paths in order.
 *
 * @since 0.1.0
 * @category constructors
 */
export function fetchBlobs(
  client: RegistryClient,
  store: BlobStore,
  repo: Repository,
  descriptors: ReadonlyArray<Descriptor>,
  options: { readonly concurrency?: number } = {}
): Effect.Effect<ReadonlyArray<string>, OciError> {
  return Effect.forEach(descriptors, (d) => store.ensure(d, (signal) => client.readBlob(repo, d, signal)), {
    concurrency: Math.max(1, options.concurrency ?? 3)
  })
}

/** Unpacks of one destination in this process, so two pulls of one image unpack it once. */
const unpacking = new Map<string, Promise<UnpackResult>>()

function singleFlight(destination: string, run: () => Promise<UnpackResult>, signal: AbortSignal): Promise<UnpackResult> {
  const running = unpacking.get(destination)
  // A failed unpack of someone else is no answer for us: run our own. Waiting on it stops when we are aborted.
  if (running !== undefined) return orAbort(running, signal).catch((e) => (signal.aborted ? Promise.reject(e) : singleFlight(destination, run, signal)))
  const p = run().finally(() => unpacking.delete(destination))
  unpacking.set(destination, p)
  return p
}

/**
 * Pulls `ref` and unpacks it; an image already unpacked is reused without
 * fetching any layer.
 *
 * @since 0.1.0
 * @category constructors
 */
export function pullImage(client: RegistryClient, options: PullOptions): Effect.Effect<PulledImage, OciError> {
  const { store, ref } = options
  const progress = options.onProgress ?? (() => {})
  const concurrency = Math.max(1, options.concurrency ?? 3)
  return Effect.gen(function* () {
    const image = yield* resolveImage(client, ref, { platform: options.platform, store })
    const layers = image.manifest.layers
    progress({ type: "resolved", digest: image.digest, platform: [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join("/"), layers: layers.length, bytes: layers.reduce((n, l) => n + l.size, 0) })
    const destination = options.destination?.(image.digest) ?? addonRootfsPath(store.dir, image.digest)
    let downloaded = 0
    // Content-addressed: an image unpacked before is the same image; nothing to fetch.
    if (yield* Effect.promise(() => stat(destination).then(() => true, () => false))) {
      return { ...image, rootfs: destination, reused: true, downloadedBytes: 0 }
    }

    const fetchIntoCache = (layer: Descriptor, index: number) =>
      store.ensure(layer, (signal) => counted(client.readBlob(ref, layer, signal), (n) => (downloaded += n))).pipe(
        Effect.tap(() => Effect.sync(() => progress({ type: "layer", index, digest: layer.digest, size: layer.size, state: "fetched" }))),
        Effect.withSpan("source.pull.layer", { attributes: { "oci.layer.index": index, "oci.layer.digest": layer.digest, "oci.layer.size": layer.size } })
      )

    // Later layers go to the cache in the background while earlier ones unpack.
    const prefetch = yield* Effect.forEach(layers.slice(1), (l, i) => Effect.ignore(fetchIntoCache(l, i + 1)), {
      concurrency: Math.max(1, concurrency - 1),
      discard: true
    }).pipe(Effect.fork)

    // Interrupted (a deadline), the unpack is aborted and its temporary directory gone before the failure is reported.
    const result = yield* settled(
      (signal) =>
        singleFlight(destination, () =>
          unpackImageAsync({
            destination,
            limits: options.limits,
            layers: layers.map((layer, index) => () => openLayer(layer, index, image.config.rootfs.diff_ids[index], signal)),
            onLayer: (index, stats) => progress({ type: "layer", index, digest: layers[index].digest, size: layers[index].size, state: "unpacked", bytes: stats.uncompressedBytes })
          }), signal),
      (e) => e as OciError
    ).pipe(Effect.ensuring(Fiber.interrupt(prefetch)), Effect.withSpan("source.unpack", { attributes: { "oci.layers": layers.length } }))

    return { ...image, rootfs: result.rootfs, reused: result.reused, downloadedBytes: downloaded }

    async function openLayer(layer: Descriptor, index: number, diffId: string | undefined, signal: AbortSignal): Promise<OpenedLayer> {
      const compression = compressionOf(layer.mediaType, layer.digest)
      for (let round = 0; round < 3; round++) {
        const lease: BlobLease = await store.lease(layer)
        if (lease._tag === "cached") {
          progress({ type: "layer", index, digest: layer.digest, size: layer.size, state: "cached" })
          return { source: store.open(layer.digest), compression, digest: layer.digest, diffId }
        }
        if (lease._tag === "busy") {
          await orAbort(lease.wait, signal)
          continue
        }
        progress({ type: "layer", index, digest: layer.digest, size: layer.size, state: "downloading" })
        const writer = lease.writer
        const blob = counted(client.readBlob(ref, layer, signal), (n) => (downloaded += n))
        async function* tee() {
          for await (const chunk of blob) {
            await writer.write(chunk)
            yield chunk
          }
        }
        return {
          source: Readable.from(tee(), { objectMode: false }),
          compression,
          digest: layer.digest,
          diffId,
          // Reaching here with ok means the blob iterator ended, i.e. the digest matched.
          settle: (ok) => (ok ? writer.commit().then(() => undefined) : writer.abort())
        }
      }
      throw new BlobStoreError({ reason: "io", detail: "layer is still being fetched by another pull", digest: layer.digest })
    }
  })
}

async function* counted(source: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    add(chunk.length)
    yield chunk
  }
}
