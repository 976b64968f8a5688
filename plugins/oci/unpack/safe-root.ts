/**
 * @module
 * Filesystem access confined to a root. Every parent directory of a path is
 * checked with `lstat` and a symlink there is refused, never followed, so
 * nothing can be reached outside the root through a link planted by this or
 * an earlier layer; final components are created with `O_EXCL|O_NOFOLLOW`,
 * and only when that fails with `EEXIST` is whatever was there looked at and
 * removed. The unpacker is the only writer of a fresh private temp directory,
 * so checked directories stay checked until it removes something itself.
 *
 * The calls are synchronous on purpose: an unpack is a long run of tiny
 * metadata operations, and each asynchronous one is a thread-pool round trip
 * (six per file) that costs more than the operation itself.
 */
import { constants, lstatSync, mkdirSync, openSync, rmSync, type Stats } from "node:fs"
import { join } from "node:path"
import { errnoOf, UnpackFault } from "./_fault.ts"

function lstatOrNullSync(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

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
  parents(parts: ReadonlyArray<string>, create: boolean, entry: string): boolean {
    let rel = ""
    for (let i = 0; i < parts.length - 1; i++) {
      rel = i === 0 ? parts[0] : `${rel}/${parts[i]}`
      if (this.#dirs.has(rel)) continue
      const path = join(this.root, rel)
      // On a fresh tree the directory is usually missing: try to make it first and look only if something is there.
      if (create && this.#mkdir(path)) {
        this.#dirs.add(rel)
        continue
      }
      const st = lstatOrNullSync(path)
      if (st === null) return false
      if (st.isSymbolicLink()) {
        throw new UnpackFault({ reason: "symlink-traversal", detail: `refusing to go through the symlink ${rel}`, layer: this.layer, entry })
      } else if (!st.isDirectory()) {
        throw new UnpackFault({ reason: "not-a-directory", detail: `${rel} is not a directory`, layer: this.layer, entry })
      }
      this.#dirs.add(rel)
    }
    return true
  }

  /** Makes a directory; false when something is already there. */
  #mkdir(path: string, mode = 0o755): boolean {
    try {
      mkdirSync(path, { mode })
      return true
    } catch (e) {
      if (errnoOf(e) === "EEXIST") return false
      throw e
    }
  }

  stat(parts: ReadonlyArray<string>): Stats | null {
    return lstatOrNullSync(this.abs(parts))
  }

  /** Removes whatever is at `parts` (a link itself, never its target). */
  remove(parts: ReadonlyArray<string>): void {
    rmSync(this.abs(parts), { recursive: true, force: true })
    this.#dirs.clear()
  }

  /**
   * Creates a new regular file with `mode` (less the umask) and returns its
   * descriptor, never following a symlink or reusing what is there: on
   * `EEXIST` whatever it is (a file, a link, a directory) is removed first.
   */
  createFile(parts: ReadonlyArray<string>, mode: number): number {
    const path = this.abs(parts)
    try {
      return openSync(path, CREATE, mode)
    } catch (e) {
      if (errnoOf(e) !== "EEXIST") throw e
    }
    this.remove(parts)
    return openSync(path, CREATE, mode)
  }

  /** Makes the directory at `parts` unless one is there; whatever else is there is removed first. */
  makeDir(parts: ReadonlyArray<string>): void {
    const path = this.abs(parts)
    if (this.#mkdir(path, 0o700)) return
    if (lstatOrNullSync(path)?.isDirectory() === true) return
    this.remove(parts)
    mkdirSync(path, { mode: 0o700 })
  }

  /** Notes a directory this unpack made or checked. */
  markDir(parts: ReadonlyArray<string>): void {
    this.#dirs.add(parts.join("/"))
  }
}
