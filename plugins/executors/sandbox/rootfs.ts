/**
 * @module
 * Which directory tree a sandboxed job sees as `/`, as a list of mounts.
 *
 * The rootfs of a job is, in order: its `rootfs` field (set by the add-on
 * source), else the directory holding `flwd-addon/` when the job directory
 * lies under `<rootfs>/flwd-addon/jobs/` (the add-on image layout, DESIGN §5),
 * else — a local job opting in with `executor: sandbox` — a minimal
 * read-only set of host directories (`/usr`, `/bin`, `/lib*`, …).
 *
 * The root itself is bubblewrap's private tmpfs, made read-only once every
 * mount is in place; each top-level entry of the rootfs is bound read-only
 * onto it. Binding entries rather than the whole tree lets flwd add its own
 * mount points (`/flwd`, `/run/secrets`) without writing into the image.
 */
import { lstatSync, readdirSync, readlinkSync } from "node:fs"
import { join, resolve, sep } from "node:path"
import type { Job } from "../../../core/mod.ts"

/**
 * One entry of the sandbox root.
 *
 * @since 0.1.0
 * @category models
 */
export type Mount =
  | { readonly type: "ro-bind"; readonly source: string; readonly target: string }
  | { readonly type: "symlink"; readonly link: string; readonly target: string }

/**
 * A resolved rootfs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rootfs {
  readonly kind: "image" | "host"
  /** The image directory, or the host paths joined by commas. */
  readonly describe: string
  readonly mounts: ReadonlyArray<Mount>
}

/**
 * Host paths a local sandboxed job sees. `/etc/alternatives` is included
 * because Debian's `/usr/bin/awk` and friends are links through it; nothing
 * else of `/etc` is (no passwd, hosts or host configuration).
 *
 * @since 0.1.0
 * @category constants
 */
export const HOST_ROOTFS: ReadonlyArray<string> = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc/alternatives",
  "/etc/ld.so.cache"
]

/**
 * Host files added when a host-rootfs job has network access, so that name
 * resolution and TLS work.
 *
 * @since 0.1.0
 * @category constants
 */
export const HOST_NETWORK_FILES: ReadonlyArray<string> = [
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/ssl",
  "/etc/ca-certificates"
]

// Mount points the sandbox provides itself; an image's own are shadowed.
const RESERVED = new Set(["proc", "dev", "sys", "tmp", "run", "flwd"])

const ADDON_MARK = `${sep}flwd-addon${sep}jobs${sep}`

/**
 * The add-on rootfs a job directory lies in (`<rootfs>/flwd-addon/jobs/…`),
 * or null.
 *
 * @since 0.1.0
 * @category constructors
 */
export function addonRootfsOf(jobDir: string): string | null {
  const dir = resolve(jobDir) + sep
  const at = dir.indexOf(ADDON_MARK)
  return at <= 0 ? null : dir.slice(0, at)
}

/** The top-level entries of an image rootfs as mounts; symlinks are recreated, never followed on the host. */
function imageMounts(root: string): Array<Mount> {
  const mounts: Array<Mount> = []
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (RESERVED.has(entry.name)) continue
    const source = join(root, entry.name)
    const target = `/${entry.name}`
    if (entry.isSymbolicLink()) mounts.push({ type: "symlink", link: readlinkSync(source), target })
    else if (entry.isDirectory() || entry.isFile()) mounts.push({ type: "ro-bind", source, target })
  }
  return mounts
}

/** Host paths as mounts: merged-/usr links stay links, the rest is bound. */
function hostMounts(paths: ReadonlyArray<string>): Array<Mount> {
  const mounts: Array<Mount> = []
  for (const path of paths) {
    let stat
    try {
      stat = lstatSync(path)
    } catch {
      continue
    }
    if (stat.isSymbolicLink()) {
      const link = readlinkSync(path)
      // `/bin -> usr/bin` works as a link; anything else is bound where it points.
      if (!link.startsWith("/") && !link.split("/").includes("..")) {
        mounts.push({ type: "symlink", link, target: path })
        continue
      }
    }
    mounts.push({ type: "ro-bind", source: path, target: path })
  }
  return mounts
}

/**
 * Resolves the rootfs of a job. Throws when an image rootfs is not a
 * readable directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export function rootfsOf(job: Job, options: {
  readonly hostPaths: ReadonlyArray<string>
  readonly network: boolean
  /** Host mounts already read, by path list; the executor that owns it keeps it (one per engine). Default: none kept. */
  readonly cache?: Map<string, Array<Mount>>
}): Rootfs {
  const image = job.rootfs ?? addonRootfsOf(job.dir)
  if (image !== null) {
    const root = resolve(image)
    return { kind: "image", describe: root, mounts: imageMounts(root) }
  }
  const paths = options.network ? [...options.hostPaths, ...HOST_NETWORK_FILES] : options.hostPaths
  const key = paths.join("\0")
  let mounts = options.cache?.get(key)
  if (mounts === undefined) {
    mounts = hostMounts(paths)
    options.cache?.set(key, mounts)
  }
  return { kind: "host", describe: `host:${paths.join(",")}`, mounts }
}

/**
 * Describes the rootfs without reading it, for a plan preview.
 *
 * @since 0.1.0
 * @category constructors
 */
export function describeRootfs(job: Job, hostPaths: ReadonlyArray<string>): string {
  const image = job.rootfs ?? addonRootfsOf(job.dir)
  return image !== null ? resolve(image) : `host:${hostPaths.join(",")}`
}
