/**
 * @module
 * Unpacks one layer into a root, streaming: compressed bytes → decompressor
 * → tar-stream, one entry at a time. What the archive cannot do: write
 * outside the root (see `safe-root.ts`), link to anything but a regular file
 * already inside it, create device nodes or fifos (skipped), or keep
 * setuid/setgid/sticky bits (stripped). Owners are not applied: the rootfs
 * belongs to the user running flwd, who keeps read and write access to what
 * was unpacked (files at least 0600, directories 0700) so it can be replaced
 * and removed later.
 *
 * Filesystem calls are synchronous (see `safe-root.ts`): a file costs one
 * `open` with `O_EXCL` and its mode, its writes, `futimes` and `close`, with
 * no thread-pool round trip in between; a parent directory is made or
 * checked once per layer.
 */
import { chmodSync, closeSync, fchmodSync, futimesSync, linkSync, symlinkSync, writeSync } from "node:fs"
import type { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { extract as tarExtract, type Header } from "tar-stream"
import type { Digest } from "../model.ts"
import type { Compression } from "./decompress.ts"
import { errnoOf, textOf, UnpackFault } from "./_fault.ts"
import { decompressor, LayerMeter } from "./_inflate.ts"
import { entryComponents } from "./entry-path.ts"
import type { Budget } from "./limits.ts"
import type { SafeRoot } from "./safe-root.ts"
import { applyOpaque, applyWhiteout, LayerWrites, OPAQUE_MARKER, WHITEOUT_PREFIX } from "./whiteout.ts"

/**
 * What unpacking a layer did.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerStats {
  readonly entries: number
  readonly compressedBytes: number
  readonly uncompressedBytes: number
  readonly diffId: Digest
  /** Device nodes, fifos and unknown entry types that were not created. */
  readonly skipped: number
  /** Entries whose setuid, setgid or sticky bit was removed. */
  readonly stripped: number
}

/**
 * One layer to unpack.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerInput {
  /** The layer's (compressed) bytes. */
  readonly source: Readable
  readonly compression: Compression
  /** Digest, for error messages. */
  readonly digest?: string
  /** The config's `diff_ids` entry; the uncompressed tar must hash to it. */
  readonly diffId?: string
  /**
   * The same bytes in a file, maybe still growing: an unpack worker reads
   * them from there itself instead of being sent `source`.
   */
  readonly file?: LayerFile
}

/**
 * A file holding a layer's (compressed) bytes.
 *
 * @since 0.2.0
 * @category models
 */
export interface LayerFile {
  readonly path: string
  /** The bytes the file holds, each time that grows; ends once they are all there and verified, fails if they never will be. */
  readonly growth: () => AsyncIterable<number>
}

/**
 * How entries other than files and directories are treated.
 *
 * @since 0.1.0
 * @category models
 */
export interface EntryPolicy {
  /**
   * Refuse the whole archive on an entry that is not a regular file or a
   * directory, or whose name is absolute, instead of keeping links inside
   * the root, skipping devices and fifos and reading `/a` as `a`. Whiteout
   * names are then ordinary names. Default false (image layers).
   */
  readonly onlyFilesAndDirectories?: boolean
}

/**
 * Options of `unpackLayer`.
 *
 * @since 0.2.0
 * @category models
 */
export interface LayerOptions extends EntryPolicy {
  /**
   * Called after each entry and each decompressed chunk: a long unpack is
   * work the caller's no-progress watchdog must see (read the counts from
   * the `Budget`). Keep it cheap; it is not throttled here.
   */
  readonly onProgress?: () => void
  /**
   * The process umask. Default: read from `process`; a worker thread must
   * be told, as it may not set the umask, and reading it means setting it.
   */
  readonly umask?: number
}

/** An entry's body as tar-stream (streamx) hands it over. */
type EntryBody = AsyncIterable<unknown> & { resume(): unknown }

const fileMode = (mode: number) => (mode & 0o777) | 0o600
const dirMode = (mode: number) => (mode & 0o777) | 0o700

/**
 * The process umask, read without changing it (`process.umask()` alone is deprecated).
 *
 * @since 0.2.0
 * @category utils
 */
export function currentUmask(): number {
  const mask = process.umask(0o022)
  process.umask(mask)
  return mask
}

class LayerUnpacker {
  readonly root: SafeRoot
  readonly budget: Budget
  readonly layer: string | undefined
  readonly writes = new LayerWrites()
  /** Mode bits `open` drops; a file whose mode loses some gets an `fchmod`. */
  readonly umask: number
  entries = 0
  skipped = 0
  stripped = 0

  readonly strict: boolean

  constructor(root: SafeRoot, budget: Budget, layer: string | undefined, policy: LayerOptions) {
    this.umask = policy.umask ?? currentUmask()
    this.root = root
    this.budget = budget
    this.layer = layer
    this.strict = policy.onlyFilesAndDirectories === true
  }

  /** With `onlyFilesAndDirectories`, what refuses the archive. */
  refuse(header: Header): void {
    const name = header.name
    if (name.startsWith("/")) throw new UnpackFault({ reason: "path-escape", detail: "entry name is absolute", layer: this.layer, entry: name })
    const type = header.type ?? "file"
    if (type !== "file" && type !== "contiguous-file" && type !== "directory") {
      throw new UnpackFault({
        reason: "unsupported-entry",
        detail: `entry is a ${type}; only files and directories are allowed`,
        layer: this.layer,
        entry: name
      })
    }
  }

  async entry(header: Header, body: EntryBody): Promise<void> {
    const name = header.name
    this.entries++
    this.budget.addEntry(this.layer, name)
    if (this.strict) this.refuse(header)
    const max = this.budget.limits.maxPathLength
    const parts = entryComponents(name, { maxLength: max, layer: this.layer })
    const base = parts[parts.length - 1] ?? ""
    if (!this.strict && base.startsWith(WHITEOUT_PREFIX)) {
      body.resume()
      const dir = parts.slice(0, -1)
      if (base === OPAQUE_MARKER) return applyOpaque(this.root, dir, this.writes, name)
      if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return // other aufs metadata
      const hidden = base.slice(WHITEOUT_PREFIX.length)
      // ".wh.", ".wh.." and ".wh..." would name the directory itself or its parent.
      if (hidden === "" || hidden === "." || hidden === "..") {
        throw new UnpackFault({ reason: "invalid-name", detail: "whiteout without a name", layer: this.layer, entry: name })
      }
      return applyWhiteout(this.root, dir, hidden, this.writes, name)
    }
    const mode = typeof header.mode === "number" ? header.mode : 0o644
    if ((mode & 0o7000) !== 0) this.stripped++
    if (parts.length === 0) {
      body.resume()
      if (header.type === "directory") chmodSync(this.root.root, dirMode(mode))
      return
    }
    switch (header.type) {
      case "directory":
        return this.directory(parts, mode, name)
      case "file":
      case "contiguous-file":
        return this.file(parts, mode, header.mtime, body, name)
      case "symlink":
        body.resume()
        return this.symlink(parts, header.linkname ?? "", name)
      case "link":
        body.resume()
        return this.hardlink(parts, header.linkname ?? "", name)
      default:
        // Devices and fifos could reach host hardware or block readers; unknown types mean nothing here.
        body.resume()
        this.skipped++
    }
  }

  clear(parts: ReadonlyArray<string>): void {
    if (this.root.stat(parts) !== null) this.root.remove(parts)
  }

  directory(parts: ReadonlyArray<string>, mode: number, name: string): void {
    this.root.parents(parts, true, name)
    this.root.makeDir(parts)
    chmodSync(this.root.abs(parts), dirMode(mode))
    this.root.markDir(parts)
    this.writes.add(parts)
  }

  async file(parts: ReadonlyArray<string>, mode: number, mtime: Date | undefined, body: EntryBody, name: string): Promise<void> {
    this.root.parents(parts, true, name)
    const wanted = fileMode(mode)
    const fd = this.root.createFile(parts, wanted)
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer
        let offset = 0
        while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset)
      }
      if ((wanted & this.umask) !== 0) fchmodSync(fd, wanted)
      if (mtime !== undefined && !Number.isNaN(mtime.getTime())) futimesSync(fd, mtime, mtime)
    } finally {
      closeSync(fd)
    }
    this.writes.add(parts)
  }

  symlink(parts: ReadonlyArray<string>, target: string, name: string): void {
    if (target === "" || target.includes("\0")) {
      throw new UnpackFault({ reason: "invalid-name", detail: "symlink target is empty or contains a NUL byte", layer: this.layer, entry: name })
    }
    if (Buffer.byteLength(target) > this.budget.limits.maxPathLength) {
      throw new UnpackFault({
        reason: "limit-exceeded",
        detail: `symlink target is longer than ${this.budget.limits.maxPathLength} bytes`,
        layer: this.layer,
        entry: name
      })
    }
    this.root.parents(parts, true, name)
    this.clear(parts)
    // The link is stored as given: it is never followed while unpacking, and
    // in the sandbox the rootfs is "/", where absolute targets stay inside.
    symlinkSync(target, this.root.abs(parts))
    this.writes.add(parts)
  }

  hardlink(parts: ReadonlyArray<string>, target: string, name: string): void {
    const escape = (detail: string) => new UnpackFault({ reason: "hardlink-escape", detail, layer: this.layer, entry: name })
    let targetParts: ReadonlyArray<string>
    try {
      targetParts = entryComponents(target, { maxLength: this.budget.limits.maxPathLength, layer: this.layer, what: "hardlink target" })
    } catch (e) {
      throw e instanceof UnpackFault && e.reason === "path-escape" ? escape(`hardlink target ${JSON.stringify(target.slice(0, 200))} leaves the root`) : e
    }
    if (targetParts.length === 0) throw escape("hardlink to the root directory")
    if (targetParts.join("/") === parts.join("/")) return
    // The target must be a regular file this or an earlier layer extracted, reached without symlinks.
    let st = null
    try {
      if (this.root.parents(targetParts, false, name)) st = this.root.stat(targetParts)
    } catch (e) {
      if (e instanceof UnpackFault) throw escape(`hardlink target ${JSON.stringify(target.slice(0, 200))}: ${e.detail}`)
      throw e
    }
    if (st === null || !st.isFile()) throw escape(`hardlink target ${JSON.stringify(target.slice(0, 200))} is not a regular file inside the image`)
    this.root.parents(parts, true, name)
    this.clear(parts)
    linkSync(this.root.abs(targetParts), this.root.abs(parts))
    this.writes.add(parts)
  }
}

/**
 * Whether a caught value already says what went wrong: a fault of the
 * unpacker, or a tagged error of whoever fed it (a download that failed
 * its digest), which is more telling than the broken pipe it caused.
 */
function isTold(e: unknown): boolean {
  return e instanceof UnpackFault || (typeof e === "object" && e !== null && "_tag" in e)
}

function wrap(e: unknown, layer?: string): unknown {
  if (isTold(e)) return e
  const code = errnoOf(e)
  if (code !== undefined && /^Z_|^ERR_ZSTD|ERR__ZLIB/.test(code)) {
    return new UnpackFault({ reason: "corrupt", detail: `cannot decompress layer: ${textOf(e)}`, layer, cause: e })
  }
  // A system call's failure (Node's system errors carry the call's name) is the disk's, not the archive's.
  if (code !== undefined && typeof e === "object" && e !== null && "syscall" in e && e.syscall !== undefined) {
    return new UnpackFault({ reason: "io", detail: `${code}: ${textOf(e)}`, layer, cause: e })
  }
  return new UnpackFault({ reason: "corrupt", detail: `invalid layer archive: ${textOf(e)}`, layer, cause: e })
}

/**
 * Unpacks one layer on top of what `root` already holds.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function unpackLayer(root: SafeRoot, input: LayerInput, budget: Budget, policy: LayerOptions = {}): Promise<LayerStats> {
  root.layer = input.digest
  const progress = policy.onProgress ?? (() => {})
  const meter = new LayerMeter(budget, input.digest, progress)
  const unpacker = new LayerUnpacker(root, budget, input.digest, policy)
  const extract = tarExtract()
  // Settled into a value at once: the pipeline may fail while an entry is still being written.
  const piping: Promise<unknown> = pipeline(input.source, meter.input(), decompressor(input.compression), meter.output(), extract)
    .then(() => undefined, (e: unknown) => e ?? new Error("layer stream failed"))
  let failure: unknown
  try {
    for await (const entry of extract) {
      await unpacker.entry(entry.header, entry)
      // An entry's body not read by now would stall the archive.
      entry.resume()
      progress()
    }
  } catch (e) {
    failure = e
    extract.destroy()
  }
  const piped = await piping
  // The first failure is the one to report; a source error (a blob that
  // failed verification) is more telling than the premature close it caused.
  if (piped !== undefined && (failure === undefined || (!isTold(failure) && isTold(piped)))) failure = piped
  if (failure !== undefined) throw wrap(failure, input.digest)
  const diffId = meter.diffId()
  if (input.diffId !== undefined && input.diffId !== diffId) {
    throw new UnpackFault({
      reason: "diff-id-mismatch",
      detail: `uncompressed layer hashes to ${diffId}, the config says ${input.diffId}`,
      layer: input.digest
    })
  }
  return {
    entries: unpacker.entries,
    compressedBytes: meter.compressed,
    uncompressedBytes: meter.uncompressed,
    diffId,
    skipped: unpacker.skipped,
    stripped: unpacker.stripped
  }
}
