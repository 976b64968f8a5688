/**
 * @module
 * A small, careful `.tar.gz` extractor for job trees: regular files and
 * directories only. An entry that is a link (symbolic or hard), a device or
 * a FIFO, or whose path is absolute or climbs out with `..`, rejects the
 * whole archive, as do too many entries or too many bytes. Permission bits
 * are kept except setuid, setgid and sticky. Nothing is written outside
 * `dest`, which must not exist yet.
 */
import { createWriteStream, mkdirSync } from "node:fs"
import { dirname, join, normalize, sep } from "node:path"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { createGunzip } from "node:zlib"
import { extract } from "tar-stream"

/** Limits of one extraction; each documents its default. */
export interface ExtractLimits {
  /** Entries in the archive. Default 10 000. */
  readonly maxEntries?: number
  /** Bytes of all files together, uncompressed. Default 256 MiB. */
  readonly maxBytes?: number
}

/** The archive is unsafe or too big; `message` says which entry and why. */
export class UnsafeArchive extends Error {
  override readonly name = "UnsafeArchive"
}

function target(dest: string, name: string): string | null {
  const rel = name.replace(/^(\.\/)+/, "")
  if (rel === "" || rel === ".") return null
  if (rel.startsWith("/") || rel.includes("\0")) throw new UnsafeArchive(`entry ${JSON.stringify(name)} has an absolute path`)
  if (rel.split("/").includes("..")) throw new UnsafeArchive(`entry ${JSON.stringify(name)} climbs out with ".."`)
  const path = normalize(join(dest, rel))
  if (!path.startsWith(dest + sep)) throw new UnsafeArchive(`entry ${JSON.stringify(name)} leads outside the tree`)
  return path
}

/** Extracts the gzip-compressed tar `archive` into the new directory `dest`. */
export async function extractTarGz(archive: Uint8Array, dest: string, limits: ExtractLimits = {}): Promise<void> {
  const maxEntries = limits.maxEntries ?? 10_000
  const maxBytes = limits.maxBytes ?? 256 * 1024 * 1024
  mkdirSync(dest, { recursive: false, mode: 0o755 })
  const tar = extract()
  const reading = pipeline(Readable.from([archive]), createGunzip(), tar)
  let entries = 0
  let bytes = 0
  try {
    for await (const entry of tar) {
      const { name, type, mode, size } = entry.header
      if (++entries > maxEntries) throw new UnsafeArchive(`more than ${maxEntries} entries`)
      const path = target(dest, name)
      if (type === "directory") {
        if (path !== null) mkdirSync(path, { recursive: true, mode: 0o755 })
        entry.resume()
        continue
      }
      if (type !== "file" && type !== "contiguous-file") throw new UnsafeArchive(`entry ${JSON.stringify(name)} is a ${type ?? "special file"}; only files and directories are allowed`)
      if (path === null) throw new UnsafeArchive(`a file entry has no name`)
      bytes += size ?? 0
      if (bytes > maxBytes) throw new UnsafeArchive(`the files hold more than ${maxBytes} bytes`)
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 })
      // "wx": never through something already there; setuid, setgid and sticky bits are dropped.
      await pipeline(entry, createWriteStream(path, { flags: "wx", mode: ((mode ?? 0o644) & 0o755) | 0o600 }))
    }
    await reading
  } catch (e) {
    reading.catch(() => undefined)
    tar.destroy()
    throw e instanceof UnsafeArchive ? e : new UnsafeArchive(`not a valid .tar.gz: ${e instanceof Error ? e.message : String(e)}`)
  }
}
