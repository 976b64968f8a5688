/**
 * @module
 * Limits on what unpacking an image may cost, shared by all its layers:
 * uncompressed bytes, entries, path length, and the decompression ratio that
 * marks a bomb (a small layer expanding to gigabytes).
 */
import { UnpackFault } from "./_fault.ts"

/**
 * Unpack limits; each has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnpackLimits {
  /** Uncompressed tar bytes over all layers. Default 4 GiB. */
  readonly maxBytes?: number
  /** Tar entries over all layers. Default 200 000. */
  readonly maxEntries?: number
  /** Bytes of an entry's path or link target. Default 4096 (Linux `PATH_MAX`). */
  readonly maxPathLength?: number
  /** Largest uncompressed/compressed ratio of a layer once past `ratioGraceBytes`. Default 200. */
  readonly maxRatio?: number
  /** Uncompressed bytes a layer may produce before the ratio is checked. Default 64 MiB. */
  readonly ratioGraceBytes?: number
}

/** The defaults. @since 0.1.0 @category constants */
export const defaultLimits: Required<UnpackLimits> = {
  maxBytes: 4 * 1024 ** 3,
  maxEntries: 200_000,
  maxPathLength: 4096,
  maxRatio: 200,
  ratioGraceBytes: 64 * 1024 ** 2
}

/**
 * What the layers of one image have used so far.
 *
 * @since 0.1.0
 * @category models
 */
export class Budget {
  readonly limits: Required<UnpackLimits>
  bytes = 0
  entries = 0
  constructor(limits: UnpackLimits = {}) {
    this.limits = { ...defaultLimits, ...limits }
  }

  /** Counts uncompressed bytes of the current layer. */
  addBytes(n: number, layer?: string): void {
    this.bytes += n
    if (this.bytes > this.limits.maxBytes) {
      throw new UnpackFault({ reason: "limit-exceeded", detail: `image holds more than ${this.limits.maxBytes} bytes uncompressed`, layer })
    }
  }

  addEntry(layer?: string, entry?: string): void {
    this.entries++
    if (this.entries > this.limits.maxEntries) {
      throw new UnpackFault({ reason: "limit-exceeded", detail: `image has more than ${this.limits.maxEntries} entries`, layer, entry })
    }
  }

  /** Fails when a layer expands too far beyond its compressed size. */
  checkRatio(compressed: number, uncompressed: number, layer?: string): void {
    if (uncompressed <= this.limits.ratioGraceBytes) return
    if (uncompressed > this.limits.maxRatio * Math.max(compressed, 1)) {
      throw new UnpackFault({
        reason: "decompression-bomb",
        detail: `layer expands more than ${this.limits.maxRatio}-fold (${compressed} compressed bytes gave ${uncompressed})`,
        layer
      })
    }
  }
}
