/**
 * @module
 * Writing one blob into the cache: a temporary file in `blobs/tmp/`, then
 * fsync, rename into `blobs/<algorithm>/<hex>` and fsync of the directory,
 * so a blob is either absent or complete, even across a power loss.
 *
 * A blob can be read while it is still being written (`follow`, or
 * `growth` for a reader of its own such as the unpack worker): a pull
 * unpacks each layer straight from its in-flight download, through the page
 * cache, so layers download in parallel at full speed without being held in
 * memory, and none waits for another's fsync. The reader ends only when the
 * writer says the bytes are complete and verified (`end()`), and fails with
 * the writer's error otherwise, so nothing unverified is ever accepted.
 */
import { randomBytes } from "node:crypto"
import { closeSync, openSync, readSync, writeSync } from "node:fs"
import { type FileHandle, mkdir, open, rename, unlink } from "node:fs/promises"
import { dirname, join } from "node:path"
import { splitDigest } from "./digest.ts"
import { BlobStoreError, messageOf } from "./errors.ts"
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
  /** No more writes: the bytes are all there and verified, or (with an error) they never will be. */
  readonly end: (error?: unknown) => void
  /** The bytes written so far and those still to come, until `end`. */
  readonly follow: () => AsyncIterable<Uint8Array>
  /** The temporary file the bytes go to, for a reader of its own (`growth` says how far to read). */
  readonly file: string
  /**
   * How many bytes the file holds, each time it grows (writes in between are
   * seen as one); ends once `end` said the bytes are complete and verified,
   * fails with the writer's error otherwise.
   */
  readonly growth: () => AsyncIterable<number>
}

/** Largest read of `follow`: a few large reads, as the decompressor works best with. */
const FOLLOW_CHUNK = 1024 * 1024

/**
 * Synchronous on purpose: a write of a downloaded chunk goes to the page
 * cache and takes microseconds, less than the thread-pool round trip of an
 * asynchronous one (the blob is fsynced once, asynchronously, at commit).
 */
function writeAll(fh: FileHandle, chunk: Uint8Array): void {
  let offset = 0
  while (offset < chunk.length) offset += writeSync(fh.fd, chunk, offset, chunk.length - offset)
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
  let ended: { readonly error?: unknown } | undefined
  let wake: () => void = () => {}
  let woken = new Promise<void>((resolve) => (wake = resolve))
  const notify = () => {
    const w = wake
    woken = new Promise<void>((resolve) => (wake = resolve))
    w()
  }
  async function* growth(): AsyncGenerator<number> {
    let told = -1
    for (;;) {
      // Read again after every yield: the reader may come back after more writes, or after the end.
      if (written > told) {
        yield (told = written)
        continue
      }
      if (ended !== undefined) {
        if ("error" in ended) throw ended.error
        return
      }
      await woken
    }
  }
  async function* follow(): AsyncGenerator<Uint8Array> {
    const fd = openSync(file, "r")
    try {
      let position = 0
      for (;;) {
        if (position < written) {
          const buf = Buffer.allocUnsafe(Math.min(FOLLOW_CHUNK, written - position))
          const n = readSync(fd, buf, 0, buf.length, position)
          position += n
          yield n === buf.length ? buf : buf.subarray(0, n)
          continue
        }
        if (ended !== undefined) {
          if ("error" in ended) throw ended.error
          return
        }
        await woken
      }
    } finally {
      closeSync(fd)
    }
  }
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
      writeAll(fh, chunk)
      written += chunk.length
      notify()
    },
    end: (error) => {
      ended = error === undefined ? {} : { error }
      notify()
    },
    follow,
    file,
    growth,
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
        throw new BlobStoreError({ reason: "io", detail: `cannot store blob: ${messageOf(e)}`, digest, cause: e })
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
