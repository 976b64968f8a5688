/**
 * @module
 * Writes the add-on layer reproducibly and in bounded memory: file data is
 * read from disk into one reused buffer, hashed uncompressed (the config's
 * `diff_id`, OCI image-spec `config.md` "layer DiffID"), and handed to gzip,
 * whose write callback (the chunk is compressed) frees the buffer for the
 * next read; the compressed stream is hashed (the layer `digest`) on its
 * way to a file. Memory stays flat whatever the file sizes.
 *
 * Reproducible means the same entries give the same bytes: entries come in
 * a fixed order, every header carries the same mtime (0, or
 * `SOURCE_DATE_EPOCH`), uid/gid 0 and empty user/group names, and gzip runs
 * at a fixed level with its header normalised (RFC 1952 §2.3: MTIME 0, OS
 * 255 "unknown", as Go's `compress/gzip` writes it, so no field depends on
 * the machine). The deflate stream itself is zlib's, so the compressed
 * digest is stable for one runtime's zlib; the `diff_id` is stable always.
 */
import { createHash } from "node:crypto"
import { createWriteStream } from "node:fs"
import { open } from "node:fs/promises"
import { Transform, type TransformCallback } from "node:stream"
import { pipeline } from "node:stream/promises"
import { constants, createGzip, type Gzip } from "node:zlib"
import type { Digest } from "../oci/mod.ts"
import { encodeHeader, END_OF_ARCHIVE, padding } from "./_tar-header.ts"
import type { LayerEntry } from "./collect-tree.ts"

/**
 * The layer as written.
 *
 * @since 0.1.0
 * @category models
 */
export interface BuiltLayer {
  /** The gzipped tar. */
  readonly path: string
  readonly digest: Digest
  readonly size: number
  /** sha256 of the uncompressed tar. */
  readonly diffId: Digest
}

/** zlib's default level: the usual trade-off, and fixed so the output is. */
const GZIP_LEVEL = 6

/** Hashes (and counts) what passes through. */
class Tap extends Transform {
  readonly hash = createHash("sha256")
  bytes = 0
  override _transform(chunk: Buffer, _: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    done(null, chunk)
  }
}

/** Rewrites MTIME (bytes 4-7) to 0 and OS (byte 9) to 255 in the 10-byte gzip header. */
class GzipHeader extends Transform {
  #seen = 0
  override _transform(chunk: Buffer, _: BufferEncoding, done: TransformCallback): void {
    if (this.#seen < 10) {
      chunk = Buffer.from(chunk)
      for (let i = 0; i < chunk.length && this.#seen + i < 10; i++) {
        const at = this.#seen + i
        if (at >= 4 && at <= 7) chunk[i] = 0
        if (at === 9) chunk[i] = 255
      }
    }
    this.#seen += chunk.length
    done(null, chunk)
  }
}

/** The read buffer: large reads keep a 2 GB file to a few thousand round trips. */
const READ_SIZE = 1024 * 1024

/** Writes `chunk` to gzip and waits until it is compressed (and so no longer referenced). */
function feed(gzip: Gzip, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    gzip.write(chunk, (err) => (err ? reject(err) : resolve()))
  })
}

async function writeFile(e: LayerEntry, buffer: Buffer, put: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  const fh = await open(e.source!, "r")
  try {
    let left = e.size
    while (left > 0) {
      const { bytesRead } = await fh.read(buffer, 0, Math.min(buffer.length, left), null)
      if (bytesRead === 0) throw new Error(`${e.source} shrank while it was being packed`)
      left -= bytesRead
      await put(buffer.subarray(0, bytesRead))
    }
    // The size went into the header already: a file that grew would not match it.
    if ((await fh.read(buffer, 0, 1, null)).bytesRead !== 0) throw new Error(`${e.source} grew while it was being packed`)
  } finally {
    await fh.close()
  }
}

/**
 * Writes `entries` as a gzipped tar to `path` (which must not exist).
 *
 * @since 0.1.0
 * @category constructors
 */
export async function buildLayer(entries: ReadonlyArray<LayerEntry>, path: string, options: { readonly mtime?: Date } = {}): Promise<BuiltLayer> {
  const mtime = Math.floor((options.mtime ?? new Date(0)).getTime() / 1000)
  const diffId = createHash("sha256")
  const compressed = new Tap()
  const gzip = createGzip({ level: GZIP_LEVEL, memLevel: 8, windowBits: 15, strategy: constants.Z_DEFAULT_STRATEGY })
  const written = pipeline(gzip, new GzipHeader(), compressed, createWriteStream(path, { flags: "wx", mode: 0o644 }))
  const put = (chunk: Uint8Array) => {
    diffId.update(chunk)
    return feed(gzip, chunk)
  }
  const fed = (async () => {
    const buffer = Buffer.allocUnsafe(READ_SIZE)
    for (const e of entries) {
      await put(encodeHeader({ name: e.name, type: e.type, mode: e.mode, size: e.type === "file" ? e.size : 0, mtime, linkname: e.linkname }))
      if (e.type !== "file") continue
      await writeFile(e, buffer, put)
      const pad = padding(e.size)
      if (pad.length > 0) await put(pad)
    }
    await put(END_OF_ARCHIVE)
    gzip.end()
  })()
  try {
    // A failed write ends the pipeline: stop feeding it rather than wait on a dead stream.
    await Promise.all([fed, written])
  } catch (e) {
    gzip.destroy()
    throw e
  }
  return {
    path,
    digest: `sha256:${compressed.hash.digest("hex")}` as Digest,
    size: compressed.bytes,
    diffId: `sha256:${diffId.digest("hex")}` as Digest
  }
}
