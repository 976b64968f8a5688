/**
 * @module
 * Paths of an unpacked image resolved as the image sees them, with its
 * rootfs as `/`: for reading files of an add-on without following a link
 * out of it.
 */
import type { Stats } from "node:fs"
import { lstat, readlink } from "node:fs/promises"
import { join } from "node:path"
import { codeOf, UnpackError } from "../errors.ts"

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path)
  } catch (e) {
    if (codeOf(e) === "ENOENT") return null
    throw e
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
