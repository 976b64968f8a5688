/**
 * @module
 * What goes into an add-on layer: `manifest.yaml` and the `jobs/` tree of
 * an authoring directory, as `flwd-addon/…` entries in a fixed order
 * (names sorted by their bytes, a directory before its contents), so the
 * same tree always gives the same tar.
 *
 * Symlinks are never followed. A link is stored as a link when its target
 * is relative and stays inside what is packed (`manifest.yaml` or
 * `jobs/`), judged both by the link text and — when the target exists —
 * by where the filesystem resolves it (a `..` after another link can climb
 * elsewhere than the text suggests). Absolute links and links leading out
 * are refused: in the image they would dangle or point at something the
 * author never saw. Sockets, fifos and devices are refused too; VCS
 * metadata (`.git`, `.hg`, `.svn`) is left out.
 */
import type { Dirent, Stats } from "node:fs"
import { lstat, readdir, readlink, realpath } from "node:fs/promises"
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path"
import { type FieldError, SourceError } from "../../core/mod.ts"
import { codeOf } from "../oci/mod.ts"

/**
 * One entry of the add-on layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerEntry {
  /** Path in the layer, `flwd-addon/jobs/hello-world/run.sh`; directories end in `/`. */
  readonly name: string
  readonly type: "directory" | "file" | "symlink"
  /** Normalised: 0755 for directories and executables, 0644 for other files, 0777 for links. */
  readonly mode: number
  readonly size: number
  /** The file on disk (files only). */
  readonly source?: string
  readonly linkname?: string
}

/** Where the layer's files live inside the image (DESIGN §5). @since 0.1.0 @category constants */
export const ADDON_PREFIX = "flwd-addon"

const SKIPPED = new Set([".git", ".hg", ".svn"])

const byBytes = (a: Dirent, b: Dirent) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))

function inside(path: string, roots: ReadonlyArray<string>): boolean {
  return roots.some((r) => path === r || path.startsWith(r + sep))
}

function fileMode(st: Stats): number {
  // Only the owner's exec bit decides: group/other bits and setuid never reach the image.
  return (st.mode & 0o100) !== 0 ? 0o755 : 0o644
}

interface Walk {
  readonly root: string
  /** Prefix of names in the layer: `flwd-addon/`, or none for `rootfs/`. */
  readonly prefix: string
  readonly allowed: ReadonlyArray<string>
  readonly realAllowed: ReadonlyArray<string>
  readonly entries: Array<LayerEntry>
  readonly errors: Array<FieldError>
}

async function checkLink(w: Walk, abs: string, shown: string): Promise<string | undefined> {
  const target = await readlink(abs)
  if (isAbsolute(target)) {
    w.errors.push({ path: shown, message: `is a symlink to the absolute path ${JSON.stringify(target)}; use a relative link inside jobs/` })
    return undefined
  }
  if (!inside(resolve(dirname(abs), target), w.allowed)) {
    w.errors.push({ path: shown, message: `is a symlink leading outside the add-on (${JSON.stringify(target)})` })
    return undefined
  }
  try {
    if (!inside(await realpath(abs), w.realAllowed)) {
      w.errors.push({ path: shown, message: `is a symlink that resolves outside the add-on (${JSON.stringify(target)})` })
      return undefined
    }
  } catch (e) {
    const code = codeOf(e)
    if (code === "ELOOP") {
      w.errors.push({ path: shown, message: "is a symlink loop" })
      return undefined
    }
    // A dangling link inside the tree is stored as it is: it dangles in the image too, harmlessly.
    if (code !== "ENOENT" && code !== "ENOTDIR") throw e
  }
  return target
}

async function visit(w: Walk, abs: string, st: Stats): Promise<void> {
  const rel = relative(w.root, abs).split(sep).join("/")
  const name = `${w.prefix}${rel}`
  if (st.isDirectory()) {
    w.entries.push({ name: `${name}/`, type: "directory", mode: 0o755, size: 0 })
    const children = (await readdir(abs, { withFileTypes: true })).sort(byBytes)
    for (const child of children) {
      if (SKIPPED.has(child.name)) continue
      const path = join(abs, child.name)
      await visit(w, path, await lstat(path))
    }
  } else if (st.isFile()) {
    w.entries.push({ name, type: "file", mode: fileMode(st), size: st.size, source: abs })
  } else if (st.isSymbolicLink()) {
    const linkname = await checkLink(w, abs, rel)
    if (linkname !== undefined) w.entries.push({ name, type: "symlink", mode: 0o777, size: 0, linkname })
  } else {
    const kind = st.isFIFO() ? "a fifo" : st.isSocket() ? "a socket" : "a device node"
    w.errors.push({ path: rel, message: `is ${kind}; an add-on holds only files, directories and symlinks` })
  }
}

const refuse = (dir: string, errors: ReadonlyArray<FieldError>) =>
  new SourceError({
    code: "discovery.invalid",
    detail: `${dir}: cannot pack ${errors.length === 1 ? "an entry" : `${errors.length} entries`}; first: ${errors[0].path}: ${errors[0].message}`,
    errors
  })

/**
 * The entries of the add-on layer for the authoring directory `dir`.
 * Fails with `discovery.invalid` listing every entry it refuses.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function collectAddonEntries(dir: string): Promise<ReadonlyArray<LayerEntry>> {
  const root = resolve(dir)
  const realRoot = await realpath(root)
  const w: Walk = {
    root,
    prefix: `${ADDON_PREFIX}/`,
    allowed: [join(root, "manifest.yaml"), join(root, "jobs")],
    realAllowed: [join(realRoot, "manifest.yaml"), join(realRoot, "jobs")],
    entries: [{ name: `${ADDON_PREFIX}/`, type: "directory", mode: 0o755, size: 0 }],
    errors: []
  }
  const manifest = await lstat(join(root, "manifest.yaml")).catch(() => null)
  if (manifest === null || !manifest.isFile()) {
    w.errors.push({ path: "manifest.yaml", message: manifest === null ? "is missing" : "must be a regular file, not a link or directory" })
  } else await visit(w, join(root, "manifest.yaml"), manifest)
  const jobs = await lstat(join(root, "jobs")).catch(() => null)
  if (jobs !== null) {
    if (jobs.isDirectory()) await visit(w, join(root, "jobs"), jobs)
    else w.errors.push({ path: "jobs", message: "must be a directory, not a link or file" })
  }
  if (w.errors.length > 0) throw refuse(dir, w.errors)
  return w.entries
}

/**
 * The entries of the add-on's `rootfs/` directory, to be a layer under the
 * add-on layer at the image's root (`rootfs/bin/sh` is `/bin/sh`): what
 * the jobs need to run when there is no base image. Links must stay inside
 * `rootfs/`, as in `jobs/`. Empty when there is no `rootfs/`.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function collectRootfsEntries(dir: string): Promise<ReadonlyArray<LayerEntry>> {
  const root = join(resolve(dir), "rootfs")
  const st = await lstat(root).catch(() => null)
  if (st === null) return []
  const w: Walk = { root, prefix: "", allowed: [root], realAllowed: [await realpath(root)], entries: [], errors: [] }
  if (!st.isDirectory()) w.errors.push({ path: "rootfs", message: "must be a directory, not a link or file" })
  else {
    const children = (await readdir(root, { withFileTypes: true })).sort(byBytes)
    for (const child of children) {
      if (SKIPPED.has(child.name)) continue
      await visit(w, join(root, child.name), await lstat(join(root, child.name)))
    }
  }
  if (w.errors.length > 0) throw refuse(dir, w.errors.map((e) => ({ ...e, path: `rootfs/${e.path}` })))
  return w.entries
}
