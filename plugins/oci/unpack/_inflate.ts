/**
 * @module
 * A layer's byte path: the decompressor for its compression, and counting
 * streams on both sides of it that enforce the image's byte budget and the
 * bomb ratio and hash the uncompressed tar for the config's `diff_ids`.
 * Free of Effect and of the library's errors: the unpack worker runs it.
 */
import { Transform, type TransformCallback } from "node:stream"
import * as zlib from "node:zlib"
import { makeHasher } from "../digest.ts"
import type { Digest } from "../model.ts"
import { textOf } from "./_fault.ts"
import type { Budget } from "./limits.ts"

/** @since 0.1.0 @category models */
export type Compression = "none" | "gzip" | "zstd"

/**
 * Output chunk of the decompressors: zlib's default (16 KiB) makes a 20 MiB
 * layer ~1,300 chunks, each a trip through every stream after it and a
 * write; 256 KiB makes it ~80.
 */
const CHUNK = 256 * 1024

/** A decompressing stream for the compression. @since 0.1.0 @category constructors */
export function decompressor(compression: Compression): Transform {
  if (compression === "gzip") return zlib.createGunzip({ chunkSize: CHUNK })
  if (compression === "zstd") return (zlib as unknown as { createZstdDecompress: (o: object) => Transform }).createZstdDecompress({ chunkSize: CHUNK })
  return new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) })
}

/**
 * Counts a layer's bytes on both sides of the decompressor.
 *
 * @since 0.1.0
 * @category models
 */
export class LayerMeter {
  compressed = 0
  uncompressed = 0
  readonly #budget: Budget
  readonly #layer: string | undefined
  readonly #hasher = makeHasher("sha256")
  readonly #onChunk: () => void

  /** `onChunk` is told after each decompressed chunk is counted (progress of a long file). */
  constructor(budget: Budget, layer?: string, onChunk: () => void = () => {}) {
    this.#budget = budget
    this.#layer = layer
    this.#onChunk = onChunk
  }

  /** Goes before the decompressor. */
  input(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb: TransformCallback) => {
        this.compressed += chunk.length
        cb(null, chunk)
      }
    })
  }

  /** Goes after the decompressor; fails the pipeline when a limit is passed. */
  output(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, cb: TransformCallback) => {
        try {
          this.uncompressed += chunk.length
          this.#budget.addBytes(chunk.length, this.#layer)
          this.#budget.checkRatio(this.compressed, this.uncompressed, this.#layer)
          this.#hasher.update(chunk)
          this.#onChunk()
          cb(null, chunk)
        } catch (e) {
          cb(e instanceof Error ? e : new Error(textOf(e)))
        }
      }
    })
  }

  /** The digest of the uncompressed tar (the layer's diff id). */
  diffId(): Digest {
    return this.#hasher.digest()
  }
}
