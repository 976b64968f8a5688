/**
 * @module
 * The safe unpacker for any tar archive, not only image layers: the same
 * code that unpacks OCI layers (no write outside the destination, no path
 * through a symlink, links only to files inside, no devices, setuid bits
 * stripped, byte, entry and ratio budgets), with the destination created
 * atomically. For plugins that fetch archives of their own.
 */
import { Readable } from "node:stream"
import type { Compression } from "./decompress.ts"
import type { UnpackLimits } from "./limits.ts"
import { unpackImageAsync, type UnpackResult } from "./unpack-image.ts"
import type { EntryPolicy } from "./unpack-layer.ts"

/**
 * Options of `unpackArchive`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UnpackArchiveOptions extends EntryPolicy {
  /** The archive's bytes, compressed as `compression` says. */
  readonly source: Uint8Array | Readable | AsyncIterable<Uint8Array>
  /** Default `"gzip"`. */
  readonly compression?: Compression
  /**
   * The directory to create. It appears complete or not at all (the archive
   * is unpacked beside it and renamed); if it already exists, nothing is
   * read and the result says `reused`.
   */
  readonly destination: string
  /** Budgets; see `UnpackLimits` for the defaults. */
  readonly limits?: UnpackLimits
}

/**
 * Unpacks a tar archive (plain, gzip or zstd) into a new directory, with
 * every safeguard of the image unpacker. Fails with an `UnpackError` whose
 * `reason` says what was refused, and then leaves nothing behind.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { unpackArchive } from "flwd"
 *
 * const bytes = new Uint8Array(await (await fetch("https://downloads.example.com/tools.tar.gz")).arrayBuffer())
 * await unpackArchive({ source: bytes, destination: "/srv/tools", onlyFilesAndDirectories: true, limits: { maxBytes: 256 * 1024 ** 2 } })
 * ```
 */
export function unpackArchive(options: UnpackArchiveOptions): Promise<UnpackResult> {
  const source = options.source instanceof Readable
    ? options.source
    : Readable.from(options.source instanceof Uint8Array ? [options.source] : options.source, { objectMode: false })
  return unpackImageAsync({
    destination: options.destination,
    limits: options.limits,
    onlyFilesAndDirectories: options.onlyFilesAndDirectories,
    layers: [async () => ({ source, compression: options.compression ?? "gzip" })]
  }).finally(() => source.destroy())
}
