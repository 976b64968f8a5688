/**
 * @module
 * Pulls an image into `addons/<manifest-digest>/rootfs` (DESIGN §5 steps
 * 4, 6, 7): resolve, then download every missing layer at once (bounded)
 * into its cache file while the layers are unpacked in order, each read
 * straight from its growing cache file by the unpack worker
 * (`BlobWriter.growth`; `follow` where the unpack runs on this thread). Layers are
 * applied one after the other because a later layer's whiteouts delete what
 * earlier ones wrote; what runs in parallel is the network and the cache
 * writes. A cache file is committed only when the digest matched and the
 * layer unpacked, and the rootfs is renamed into place only after every
 * layer was verified.
 */
import { stat } from "node:fs/promises"
import { Readable } from "node:stream"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Runtime from "effect/Runtime"
import type { BlobLease, BlobStore } from "./blob-store.ts"
import { orAbort, settled } from "./_settled.ts"
import { BlobStoreError, classifyOciError, type OciError, UnpackError } from "./errors.ts"
import { addonRootfsPath } from "./layout.ts"
import type { Descriptor, Digest } from "./model.ts"
import type { PlatformSpec } from "./platform.ts"
import type { ImageReference } from "./reference.ts"
import type { RegistryClient, Repository } from "./registry/client.ts"
import { type ResolvedImage, resolveImage } from "./resolve-image.ts"
import { compressionOf } from "./unpack/decompress.ts"
import type { UnpackLimits } from "./unpack/limits.ts"
import { type OpenedLayer, unpackImageAsync, type UnpackProgress, type UnpackResult } from "./unpack/unpack-image.ts"

/**
 * Progress of a pull, for the CLI (bars) and the server (events).
 *
 * @since 0.1.0
 * @category models
 */
export type PullProgress =
  | { readonly type: "resolved"; readonly digest: Digest; readonly platform: string; readonly layers: number; readonly bytes: number }
  | {
    readonly type: "layer"
    readonly index: number
    readonly digest: Digest
    readonly size: number
    readonly state: "cached" | "downloading" | "fetched" | "unpacked"
    readonly bytes?: number
  }
  /** A layer unpacking: the image's running totals of tar entries and uncompressed bytes written, a few times a second. */
  | { readonly type: "unpack"; readonly index: number; readonly digest: Digest; readonly entries: number; readonly bytes: number }

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

/** How often a running unpack reports its totals. */
const UNPACK_INTERVAL_MS = 250

/** One unpack of a destination at a time per store: a second pull of the image waits for the first one's result. */
function singleFlight(
  flights: Map<string, Promise<unknown>>,
  destination: string,
  run: () => Promise<UnpackResult>,
  signal: AbortSignal
): Promise<UnpackResult> {
  const running = flights.get(destination) as Promise<UnpackResult> | undefined
  // A failed unpack of someone else is no answer for us: run our own. Waiting on it stops when we are aborted.
  if (running !== undefined) {
    return orAbort(running, signal).catch((e) => (signal.aborted ? Promise.reject(e) : singleFlight(flights, destination, run, signal)))
  }
  const p = run().finally(() => flights.delete(destination))
  flights.set(destination, p)
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
    progress({
      type: "resolved",
      digest: image.digest,
      platform: [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join("/"),
      layers: layers.length,
      bytes: layers.reduce((n, l) => n + l.size, 0)
    })
    const destination = options.destination?.(image.digest) ?? addonRootfsPath(store.dir, image.digest)
    let downloaded = 0
    // Content-addressed: an image unpacked before is the same image; nothing to fetch.
    if (yield* Effect.promise(() => stat(destination).then(() => true, () => false))) {
      return { ...image, rootfs: destination, reused: true, downloadedBytes: 0 }
    }

    // Every layer starts downloading at once (bounded), its bytes going to its cache file; each is unpacked
    // in order straight from that file as it grows, so no layer waits for another's download or fsync.
    const runtime = yield* Effect.runtime<never>()
    const fetching = new AbortController()
    const slots = limiter(concurrency)
    // A long unpack (many files, or a layer already cached) is work too: the engine's watchdog must see it.
    let reported = 0
    // The image's totals at the end of each layer, reported unthrottled so the last report counts everything.
    const totals = { entries: 0, bytes: 0 }
    const unpacking = (p: UnpackProgress) => {
      const now = Date.now()
      if (now - reported < UNPACK_INTERVAL_MS) return
      reported = now
      progress({ type: "unpack", index: p.index, digest: layers[p.index].digest, entries: p.entries, bytes: p.bytes })
    }
    const acquired = layers.map((layer, index) => acquire(layer, index, image.config.rootfs.diff_ids[index], fetching.signal))
    // Interrupted (a deadline), the unpack is aborted and its temporary directory gone before the failure is reported.
    const result = yield* settled(
      (signal) => {
        const stop = () => fetching.abort(signal.reason)
        signal.addEventListener("abort", stop, { once: true })
        return singleFlight(store.flights, destination, () =>
          unpackImageAsync({
            destination,
            limits: options.limits,
            layers: acquired.map((layer) => () => orAbort(layer, signal)),
            onProgress: unpacking,
            onLayer: (index, stats) => {
              progress({
                type: "unpack",
                index,
                digest: layers[index].digest,
                entries: totals.entries += stats.entries,
                bytes: totals.bytes += stats.uncompressedBytes
              })
              progress({ type: "layer", index, digest: layers[index].digest, size: layers[index].size, state: "unpacked", bytes: stats.uncompressedBytes })
            }
          }), signal)
          .finally(async () => {
            signal.removeEventListener("abort", stop)
            // Downloads of layers the unpack never reached: stop them, and wait until their temporary files are gone.
            fetching.abort(new Error("pull ended"))
            await Promise.all(acquired.map((a) =>
              a.then((l) => {
                l.source.destroy()
                return l.settle?.(false)
              }, () => undefined)
            ))
          })
      },
      (e) => classifyOciError(e, (detail, cause) => new UnpackError({ reason: "io", detail, cause }))
    ).pipe(Effect.withSpan("source.unpack", { attributes: { "oci.layers": layers.length } }))

    return { ...image, rootfs: result.rootfs, reused: result.reused, downloadedBytes: downloaded }

    /** A layer's bytes: from the cache, or from its download, started now (in a free slot) and written to the cache alongside. */
    async function acquire(layer: Descriptor, index: number, diffId: string | undefined, signal: AbortSignal): Promise<OpenedLayer> {
      const compression = compressionOf(layer.mediaType, layer.digest)
      for (let round = 0; round < 3; round++) {
        const lease: BlobLease = await store.lease(layer)
        if (lease._tag === "cached") {
          progress({ type: "layer", index, digest: layer.digest, size: layer.size, state: "cached" })
          const path = store.path(layer.digest)
          return { source: store.open(layer.digest), file: { path, growth: () => whole(layer.size) }, compression, digest: layer.digest, diffId }
        }
        if (lease._tag === "busy") {
          await orAbort(lease.wait, signal)
          continue
        }
        const writer = lease.writer
        const download = async () => {
          progress({ type: "layer", index, digest: layer.digest, size: layer.size, state: "downloading" })
          // The blob iterator ends only once the digest matched: then the follower may end too.
          for await (const chunk of counted(client.readBlob(ref, layer, signal), (n) => (downloaded += n))) await writer.write(chunk)
          progress({ type: "layer", index, digest: layer.digest, size: layer.size, state: "fetched" })
        }
        // Run in this pull's runtime, so the layer's span is a child of the pull's.
        const traced = Effect.tryPromise({ try: download, catch: (e) => e }).pipe(
          Effect.withSpan("source.pull.layer", { attributes: { "oci.layer.index": index, "oci.layer.digest": layer.digest, "oci.layer.size": layer.size } }),
          Effect.either
        )
        const pump = slots(() => Runtime.runPromise(runtime)(traced)).then((r) => {
          if (Either.isLeft(r)) throw r.left
        }).then(() => writer.end(), (e: unknown) => {
          writer.end(e ?? new Error("download failed"))
          throw e
        })
        // Observed here too: a layer the unpack never reaches must not leave an unhandled rejection.
        pump.catch(() => undefined)
        let settledOnce: Promise<void> | undefined
        return {
          source: Readable.from(writer.follow(), { objectMode: false }),
          // An unpack worker reads the cache file behind the download itself.
          file: { path: writer.file, growth: writer.growth },
          compression,
          digest: layer.digest,
          diffId,
          // Committed only once the download verified and the layer unpacked; otherwise the temporary file goes.
          // The commit (an fsync of the whole blob) is not waited for here, so the next layer unpacks meanwhile;
          // the pull waits for it before it ends (settle is asked again then, and answers the same promise).
          settle: (ok) => {
            settledOnce ??= pump.then(() => (ok ? writer.commit().then(() => undefined) : writer.abort()), () => writer.abort())
            return ok ? Promise.resolve() : settledOnce
          }
        }
      }
      throw new BlobStoreError({ reason: "io", detail: "layer is still being fetched by another pull", digest: layer.digest })
    }
  })
}

/** Runs at most `n` tasks at once, in the order they were given. */
function limiter(n: number): <A>(task: () => Promise<A>) => Promise<A> {
  let running = 0
  const queue: Array<() => void> = []
  return (task) =>
    new Promise<void>((resolve) => {
      if (running < n) {
        running++
        resolve()
      } else queue.push(resolve)
    }).then(() => task()).finally(() => {
      const next = queue.shift()
      if (next === undefined) running--
      else next()
    })
}

/** The growth of a file that is already complete. */
async function* whole(size: number): AsyncGenerator<number> {
  yield size
}

async function* counted(source: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    add(chunk.length)
    yield chunk
  }
}
