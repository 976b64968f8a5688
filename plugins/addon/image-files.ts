/**
 * @module
 * The files of an image as the sandbox will see them: entries of the base
 * layers (read from their tar streams, whiteouts applied), of the add-on's
 * `rootfs/` and of its job tree, merged in layer order. Used to check,
 * before an image is pushed, that each job's interpreter exists in it —
 * otherwise the run fails later with `execvp … No such file or directory`.
 */
import { lstat, readdir, readlink } from "node:fs/promises"
import { join } from "node:path"
import { createGunzip } from "node:zlib"
import { Readable } from "node:stream"
import { extract } from "tar-stream"
import type { LayerEntry } from "./collect-tree.ts"

/**
 * One path of an image: its kind and, for a link, its target.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageFile {
  readonly type: "directory" | "file" | "symlink"
  readonly linkname?: string
}

/** Absolute, normalised path (`/bin/sh`) → entry. @since 0.1.0 @category models */
export type ImageFiles = Map<string, ImageFile>

function normal(name: string): string {
  const parts: Array<string> = []
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue
    if (p === "..") parts.pop()
    else parts.push(p)
  }
  return "/" + parts.join("/")
}

/**
 * Applies one layer's entry to `files`: OCI whiteouts (`.wh.name`,
 * `.wh..wh..opq`) remove what lower layers put there.
 *
 * @since 0.1.0
 * @category utils
 */
export function applyEntry(files: ImageFiles, name: string, file: ImageFile): void {
  const path = normal(name)
  const slash = path.lastIndexOf("/")
  const dir = path.slice(0, slash)
  const base = path.slice(slash + 1)
  if (base.startsWith(".wh.")) {
    // An opaque marker empties its directory; `.wh.name` removes name and what is under it.
    const gone = base === ".wh..wh..opq" ? dir : `${dir}/${base.slice(4)}`
    for (const key of [...files.keys()]) if (key.startsWith(`${gone}/`) || (key === gone && base !== ".wh..wh..opq")) files.delete(key)
    return
  }
  files.set(path, file)
}

/**
 * Adds the entries of a layer flwd builds (`collectAddonEntries`, `collectRootfsEntries`).
 *
 * @since 0.1.0
 * @category utils
 */
export function addEntries(files: ImageFiles, entries: ReadonlyArray<LayerEntry>): void {
  for (const e of entries) applyEntry(files, e.name, { type: e.type, ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) })
}

/**
 * Adds the entries of a layer blob (tar, gzipped or not), reading only
 * headers: file contents are drained, never kept.
 *
 * @since 0.1.0
 * @category utils
 */
export async function addLayer(files: ImageFiles, blob: AsyncIterable<Uint8Array> | Readable, gzipped: boolean): Promise<void> {
  const tar = extract()
  const source = Readable.from(blob as AsyncIterable<Uint8Array>)
  const piped = gzipped ? source.pipe(createGunzip()) : source
  const done = new Promise<void>((resolve, reject) => {
    source.on("error", reject)
    piped.on("error", reject)
    tar.on("error", reject)
    tar.on("finish", resolve)
  })
  tar.on("entry", (header, stream, next) => {
    const type = header.type === "directory" ? "directory" : header.type === "symlink" ? "symlink" : header.type === "link" ? "file" : "file"
    applyEntry(files, header.name, { type, ...(header.type === "symlink" && header.linkname ? { linkname: header.linkname } : {}) })
    stream.on("end", next)
    stream.resume()
  })
  piped.pipe(tar)
  await done
}

/**
 * Resolves `path` in the image, following symlinks (absolute ones from
 * the image's root, as inside the sandbox). The entry found, or undefined
 * when a component is missing, a link dangles or loops.
 *
 * @since 0.1.0
 * @category utils
 */
export function lookup(files: ImageFiles, path: string): ImageFile | undefined {
  let pending = normal(path).split("/").filter((p) => p !== "")
  let at = ""
  for (let hops = 0; pending.length > 0;) {
    const [head, ...rest] = pending
    const candidate = normal(`${at}/${head}`)
    const entry = files.get(candidate)
    if (entry === undefined) {
      // Layers need not list parent directories: a path with children is a directory.
      const prefix = `${candidate}/`
      if (![...files.keys()].some((k) => k.startsWith(prefix))) return undefined
      at = candidate
      pending = rest
      continue
    }
    if (entry.type === "symlink") {
      if (++hops > 40) return undefined
      const target = entry.linkname ?? ""
      pending = [...target.split("/").filter((p) => p !== ""), ...rest]
      at = target.startsWith("/") ? "" : at
      continue
    }
    if (rest.length === 0) return entry
    if (entry.type !== "directory") return undefined
    at = candidate
    pending = rest
  }
  return { type: "directory" }
}

/**
 * Finds `name` on the image's `PATH`, as `execvp` would.
 *
 * @since 0.1.0
 * @category utils
 */
export function onPath(files: ImageFiles, name: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (dir === "") continue
    const full = normal(`${dir}/${name}`)
    if (lookup(files, full)?.type === "file") return full
  }
  return undefined
}

/**
 * The files of an unpacked rootfs on disk (a pulled image), links kept as
 * links: they are resolved against the image's root by `lookup`, never the host's.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function filesOfRootfs(root: string): Promise<ImageFiles> {
  const files: ImageFiles = new Map()
  const walk = async (dir: string, at: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const disk = join(dir, entry.name)
      const path = `${at}/${entry.name}`
      if (entry.isSymbolicLink()) files.set(path, { type: "symlink", linkname: await readlink(disk) })
      else if (entry.isDirectory()) {
        files.set(path, { type: "directory" })
        await walk(disk, path)
      } else if ((await lstat(disk)).isFile()) files.set(path, { type: "file" })
    }
  }
  await walk(root, "")
  return files
}
