/**
 * @module
 * Filesystem access confined to a root. Every parent directory of a path is
 * checked with `lstat` and a symlink there is refused, never followed, so
 * nothing can be reached outside the root through a link planted by this or
 * an earlier layer; final components are created with `O_EXCL|O_NOFOLLOW`
 * after whatever was there is removed. The unpacker is the only writer of a
 * fresh private temp directory, so checked directories stay checked until it
 * removes something itself.
 */
import { constants } from "node:fs"
import { lstat, mkdir, open, readlink, rm, type FileHandle } from "node:fs/promises"
import type { Stats } from "node:fs"
import { join } from "node:path"
import { UnpackError } from "../errors.ts"

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null
    throw e
  }
}

/**
 * A directory being unpacked into.
 *
 * @since 0.1.0
 * @category models
 */
export class SafeRoot {
  readonly root: string
  layer: string | undefined
  readonly #dirs = new Set<string>()

  constructor(root: string) {
    this.root = root
  }

  abs(parts: ReadonlyArray<string>): string {
    return parts.length === 0 ? this.root : join(this.root, ...parts)
  }

  /**
   * Checks (and with `create`, makes) every parent of `parts`. Returns false
   * when a parent is missing and `create` is off.
   */
  async parents(parts: ReadonlyArray<string>, create: boolean, entry: string): Promise<boolean> {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join("/")
      if (this.#dirs.has(rel)) continue
      const path = join(this.root, rel)
      const st = await lstatOrNull(path)
      if (st === null) {
        if (!create) return false
        await mkdir(path, { mode: 0o755 })
      } else if (st.isSymbolicLink()) {
        throw new UnpackError({ reason: "symlink-traversal", detail: `refusing to go through the symlink ${rel}`, layer: this.layer, entry })
      } else if (!st.isDirectory()) {
        throw new UnpackError({ reason: "not-a-directory", detail: `${rel} is not a directory`, layer: this.layer, entry })
      }
      this.#dirs.add(rel)
    }
    return true
  }

  async stat(parts: ReadonlyArray<string>): Promise<Stats | null> {
    return lstatOrNull(this.abs(parts))
  }

  /** Removes whatever is at `parts` (a link itself, never its target). */
  async remove(parts: ReadonlyArray<string>): Promise<void> {
    await rm(this.abs(parts), { recursive: true, force: true })
    this.#dirs.clear()
  }

  /** Creates a new regular file, refusing to follow a symlink or reuse what is there. */
  async createFile(parts: ReadonlyArray<string>): Promise<FileHandle> {
    return open(this.abs(parts), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  }

  /** Notes a directory this unpack made or checked. */
  markDir(parts: ReadonlyArray<string>): void {
    this.#dirs.add(parts.join("/"))
  }
}

/**
 * Resolves `path` inside `root` as if `root` were `/`: symlinks are followed
 * but absolute targets start again at `root` and `..` stops there, so the
 * result is always inside `root`. For reading files of an unpacked image.
 *
 * @since 0.1.0
 * @category utils
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = path.split("/").filter((p) => p !== "" && p !== ".").reverse()
  const done: Array<string> = []
  let links = 0
  while (pending.length > 0) {
    const part = pending.pop()!
    if (part === "..") {
      done.pop()
      continue
    }
    const candidate = join(root, ...done, part)
    const st = await lstatOrNull(candidate)
    if (st?.isSymbolicLink()) {
      // Linux MAXSYMLINKS.
      if (++links > 40) throw new UnpackError({ reason: "path-escape", detail: `too many symlinks resolving ${path}` })
      const target = await readlink(candidate)
      if (target.startsWith("/")) done.length = 0
      pending.push(...target.split("/").filter((p) => p !== "" && p !== ".").reverse())
      continue
    }
    done.push(part)
  }
  return join(root, ...done)
}
