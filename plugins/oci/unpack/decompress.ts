/**
 * @module
 * Layer compression by media type (OCI image-spec layer.md: `tar`,
 * `tar+gzip`, `tar+zstd`; docker's `tar.gzip`). The streams that decompress
 * and count a layer are in `_inflate.ts`, which the unpack worker loads
 * without this file's errors.
 */
import * as zlib from "node:zlib"
import { UnpackError } from "../errors.ts"

import type { Compression } from "./_inflate.ts"

export { type Compression, decompressor, LayerMeter } from "./_inflate.ts"

/** Whether this runtime can decompress zstd (Node ≥ 23.8 has `zlib.createZstdDecompress`). @since 0.1.0 @category utils */
export function hasZstd(): boolean {
  return typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === "function"
}

/**
 * The compression a layer media type declares.
 *
 * @since 0.1.0
 * @category utils
 */
export function compressionOf(mediaType: string, layer?: string): Compression {
  if (/\.tar$|\.v1\.tar$/.test(mediaType) || mediaType === "application/x-tar") return "none"
  if (/tar[+.]gzip$/.test(mediaType)) return "gzip"
  if (/tar\+zstd$/.test(mediaType)) {
    if (!hasZstd()) throw new UnpackError({ reason: "unsupported-media-type", detail: "this runtime cannot decompress zstd layers", layer })
    return "zstd"
  }
  throw new UnpackError({ reason: "unsupported-media-type", detail: `unsupported layer media type ${mediaType}`, layer })
}
