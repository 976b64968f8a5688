/**
 * @module
 * Writing one blob into the cache: a temporary file in `blobs/tmp/`, then
 * fsync, rename into `blobs/<algorithm>/<hex>` and fsync of the directory,
 * so a blob is either absent or complete, even across a power loss.
 */
import { randomBytes } from "node:crypto"
import { mkdir, open, rename, unlink, type FileHandle } from "node:fs/promises"
import { dirname, join } from "node:path"
import { splitDigest } from "./digest.ts"
import { BlobStoreError } from "./errors.ts"
import type { Descriptor } from "./model.ts"

/**
 * Writes one blob; only the owner of a lease gets one.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlobWriter {
  readonly write: (chunk: Uint8Array) => Promise<void>
  /** Checks the size, fsyncs and renames into place; returns the blob's path. The bytes must already be verified. */
  readonly commit: () => Promise<string>
  readonly abort: () => Promise<void>
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < chunk.length) offset += (await fh.write(chunk, offset, chunk.length - offset)).bytesWritten
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r")
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Opens a temporary file in `tmp` for the blob that will live at `final`; `release` runs once it is committed or dropped. */
export async function makeBlobWriter(tmp: string, final: string, descriptor: Descriptor, release: () => void): Promise<BlobWriter> {
  const { digest, size } = descriptor
  await mkdir(tmp, { recursive: true })
  const file = join(tmp, `${splitDigest(digest).hex.slice(0, 16)}-${randomBytes(6).toString("hex")}`)
  const fh = await open(file, "wx", 0o644)
  let written = 0
  let closed = false
  const close = async () => {
    if (!closed) {
      closed = true
      await fh.close()
    }
  }
  const drop = async () => {
    await close().catch(() => {})
    await unlink(file).catch(() => {})
  }
  return {
    write: async (chunk) => {
      await writeAll(fh, chunk)
      written += chunk.length
    },
    commit: async () => {
      try {
        if (written !== size) throw new BlobStoreError({ reason: "corrupt", detail: `wrote ${written} bytes, expected ${size}`, digest })
        await fh.sync()
        await close()
        await mkdir(dirname(final), { recursive: true })
        await rename(file, final)
        await fsyncDir(dirname(final))
        return final
      } catch (e) {
        await drop()
        if (e instanceof BlobStoreError) throw e
        throw new BlobStoreError({ reason: "io", detail: `cannot store blob: ${(e as Error)?.message ?? String(e)}`, digest, cause: e })
      } finally {
        release()
      }
    },
    abort: async () => {
      await drop()
      release()
    }
  }
}
