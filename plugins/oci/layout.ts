/**
 * @module
 * Where pulled images live under a data directory (DESIGN §8): blobs in
 * `blobs/<algorithm>/<hex>`, unpacked images in `addons/<manifest-digest>/rootfs`.
 */
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type { BlobStore } from "./blob-store.ts"
import type { BlobStoreError } from "./errors.ts"
import type { Digest } from "./model.ts"
import { sweepUnpackTemps } from "./unpack/unpack-image.ts"

/** `addons/<digest>` under the data directory. @since 0.1.0 @category utils */
export function addonDir(dataDir: string, digest: Digest): string {
  return join(dataDir, "addons", digest)
}

/** `addons/<digest>/rootfs` under the data directory. @since 0.1.0 @category utils */
export function addonRootfsPath(dataDir: string, digest: Digest): string {
  return join(addonDir(dataDir, digest), "rootfs")
}

/**
 * Discards what a crash left half done: temporary blob files and temporary
 * unpack directories. Returns how many were removed.
 *
 * @since 0.1.0
 * @category utils
 */
export function sweepPartial(dataDir: string, store: BlobStore): Effect.Effect<number, BlobStoreError> {
  return Effect.gen(function* () {
    const blobs = yield* store.sweep
    const unpacks = yield* Effect.promise(async () => {
      const digests = await readdir(join(dataDir, "addons")).catch(() => [] as Array<string>)
      let n = 0
      for (const d of digests) n += await sweepUnpackTemps(join(dataDir, "addons", d)).catch(() => 0)
      return n
    })
    return blobs + unpacks
  })
}
