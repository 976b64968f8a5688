/**
 * @module
 * Unpacks all layers of an image, in order, into a fresh temporary
 * directory next to the destination and renames it into place once every
 * layer is unpacked and verified. `rename` is atomic, so a crash leaves
 * either no rootfs or a complete one; leftovers of a crash are removed by
 * `sweepUnpackTemps`.
 *
 * The layers are gunzipped, hashed and written by a worker thread
 * (`_layer-runner.ts`), this thread only feeding it their bytes; with
 * `inWorker: false`, or where the runtime has no worker threads, on this
 * thread.
 */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import * as Effect from "effect/Effect"
import { classifyOciError, codeOf, type OciError, UnpackError } from "../errors.ts"
import { UnpackFault } from "./_fault.ts"
import { inThread, inWorker, type LayerRunner } from "./_layer-runner.ts"
import type { UnpackLimits } from "./limits.ts"
import type { EntryPolicy, LayerInput, LayerStats } from "./unpack-layer.ts"

/**
 * A layer to unpack, opened when its turn comes; `settle` is told whether it
 * was unpacked (to commit or drop a cache file written alongside).
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenedLayer extends LayerInput {
  readonly settle?: (ok: boolean) => Promise<void>
}

/**
 * Options of `unpackImage`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnpackImageOptions extends EntryPolicy {
  /** The rootfs directory to create (`addons/<manifest-digest>/rootfs`). */
  readonly destination: string
  readonly layers: ReadonlyArray<() => Promise<OpenedLayer>>
  readonly limits?: UnpackLimits
  /** Called after each layer. */
  readonly onLayer?: (index: number, stats: LayerStats) => void
  /**
   * Called often while a layer unpacks (after each entry and decompressed
   * chunk) with the image's running totals; not throttled, keep it cheap.
   */
  readonly onProgress?: (progress: UnpackProgress) => void
  /**
   * Unpack in a worker thread, off this thread's event loop and heap.
   * Default true; false, or a runtime without worker threads, unpacks here.
   */
  readonly inWorker?: boolean
}

/**
 * Running totals of an unpack, over all layers so far.
 *
 * @since 0.2.0
 * @category models
 */
export interface UnpackProgress {
  /** The layer being unpacked. */
  readonly index: number
  /** Tar entries handled. */
  readonly entries: number
  /** Uncompressed tar bytes unpacked. */
  readonly bytes: number
}

/**
 * The outcome: the rootfs path, whether it was already there, per-layer stats.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnpackResult {
  readonly rootfs: string
  readonly reused: boolean
  readonly layers: ReadonlyArray<LayerStats>
}

const tempPrefix = (destination: string) => `.${basename(destination)}-tmp-`

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

/** The library's error for a fault of the unpacker, field for field. */
function toUnpackError(f: UnpackFault): UnpackError {
  const { reason, detail, layer, entry } = f
  return new UnpackError({
    reason,
    detail,
    ...(layer === undefined ? {} : { layer }),
    ...(entry === undefined ? {} : { entry }),
    ...(f.cause === undefined ? {} : { cause: f.cause })
  })
}

/** A worker thread where the options and the runtime allow one. */
function openRunner(root: string, options: UnpackImageOptions): LayerRunner {
  const policy = { onlyFilesAndDirectories: options.onlyFilesAndDirectories }
  if (options.inWorker !== false) {
    try {
      return inWorker(root, options.limits, policy)
    } catch {
      // No worker threads here: the same unpacker, on this thread.
    }
  }
  return inThread(root, options.limits, policy)
}

/**
 * `unpackImage` as a Promise.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function unpackImageAsync(options: UnpackImageOptions): Promise<UnpackResult> {
  const { destination } = options
  if (await exists(destination)) return { rootfs: destination, reused: true, layers: [] }
  const parent = dirname(destination)
  const created = await mkdir(parent, { recursive: true })
  // A failed unpack elsewhere may remove the empty parent between these two calls: make it again.
  const temp = await mkdtemp(join(parent, tempPrefix(destination))).catch(() =>
    mkdir(parent, { recursive: true }).then(() => mkdtemp(join(parent, tempPrefix(destination))))
  )
  const runner = openRunner(temp, options)
  const stats: Array<LayerStats> = []
  try {
    for (const [index, open] of options.layers.entries()) {
      const layer = await open()
      let ok = false
      const onProgress = options.onProgress
      try {
        stats.push(await runner.run(layer, (t) => onProgress?.({ index, entries: t.entries, bytes: t.bytes })))
        ok = true
      } finally {
        await layer.settle?.(ok)
      }
      options.onLayer?.(index, stats[index])
    }
    // The worker's heap goes now, not when the collector gets to it.
    await runner.close()
    await chmod(temp, 0o755)
    try {
      await rename(temp, destination)
    } catch (e) {
      // Someone else (another process pulling the same digest) got there first: same content.
      const code = codeOf(e)
      if ((code === "ENOTEMPTY" || code === "EEXIST") && (await exists(destination))) {
        await rm(temp, { recursive: true, force: true })
        return { rootfs: destination, reused: true, layers: stats }
      }
      throw e
    }
    return { rootfs: destination, reused: false, layers: stats }
  } catch (e) {
    // Stopped first: a worker still writing could put files back into what is being removed.
    await runner.close().catch(() => {})
    await rm(temp, { recursive: true, force: true }).catch(() => {})
    // A failed add leaves no empty addons/<digest>/: rmdir removes the parent we made only while it is empty.
    if (created !== undefined) await rmdir(parent).catch(() => {})
    if (e instanceof UnpackFault) throw toUnpackError(e)
    throw classifyOciError(e, (detail, cause) => new UnpackError({ reason: "io", detail: `${codeOf(cause) ?? "error"}: ${detail}`, cause }))
  }
}

/**
 * Unpacks an image's layers into `destination`, atomically.
 *
 * @since 0.1.0
 * @category constructors
 */
export function unpackImage(options: UnpackImageOptions): Effect.Effect<UnpackResult, OciError> {
  return Effect.tryPromise({
    try: () => unpackImageAsync(options),
    catch: (e) => classifyOciError(e, (detail, cause) => new UnpackError({ reason: "io", detail, cause }))
  })
}

/**
 * Removes temporary unpack directories a crash left next to rootfs
 * directories under `parent` (`addons/<digest>/`); returns how many.
 *
 * @since 0.1.0
 * @category utils
 */
export async function sweepUnpackTemps(parent: string, name = "rootfs"): Promise<number> {
  const prefix = tempPrefix(name)
  const names = await readdir(parent).catch(() => [] as Array<string>)
  const stale = names.filter((n) => n.startsWith(prefix))
  await Promise.all(stale.map((n) => rm(join(parent, n), { recursive: true, force: true })))
  return stale.length
}
