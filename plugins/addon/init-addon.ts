/**
 * @module
 * `initAddon`: scaffolds an add-on authoring directory — `manifest.yaml`
 * (DESIGN §5) and one example job, `jobs/hello-world/`, whose script is
 * plain POSIX sh so it runs on a busybox base image. With `busybox`, a
 * static busybox of the host goes into `rootfs/bin/` (with `sh` linked to
 * it): `pack` makes that a layer, so the image runs its job with no base
 * image and no network. It is never copied unless asked for.
 */
import { chmod, copyFile, mkdir, open, readdir, symlink, unlink, writeFile } from "node:fs/promises"
import { basename, join, resolve } from "node:path"
import { ValidationError } from "../../core/mod.ts"
import { codeOf, messageOf } from "../oci/mod.ts"

/**
 * Options of `initAddon`.
 *
 * @since 0.1.0
 * @category models
 */
export interface InitAddonOptions {
  /** The directory to scaffold; created when missing. */
  readonly dir: string
  /** `metadata.id`. Default: the directory's name, lowercased, other characters as `-`. */
  readonly id?: string
  /** `metadata.name`. Default: the id in title case (`hello-tools` → `Hello Tools`). */
  readonly name?: string
  /** Write into a non-empty directory (scaffold files are overwritten, others kept). Default false. */
  readonly force?: boolean
  /** Copy this static busybox (`true`: `/bin/busybox`, Debian's busybox-static) to `rootfs/bin/busybox`, `rootfs/bin/sh` linked to it. */
  readonly busybox?: boolean | string
}

/**
 * What `initAddon` wrote.
 *
 * @since 0.1.0
 * @category models
 */
export interface InitAddonResult {
  readonly dir: string
  readonly id: string
  readonly name: string
  /** Paths relative to `dir`. */
  readonly files: ReadonlyArray<string>
}

const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/

const invalid = (path: string, message: string, detail: string) => new ValidationError({ code: "validation.failed", detail, errors: [{ path, message }] })

function defaultId(dir: string): string {
  return basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 63)
}

function titleCase(id: string): string {
  return id.split(/[-_.]+/).filter((w) => w !== "").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ")
}

/** The scaffold's files, by path relative to the add-on directory. */
function scaffold(id: string, name: string): ReadonlyArray<readonly [string, string, number]> {
  // JSON strings are valid YAML double-quoted scalars: any name is safe.
  const manifest = [
    "apiVersion: flwd.addon/v1",
    "kind: AddOn",
    "metadata:",
    `  id: ${id}`,
    `  name: ${JSON.stringify(name)}`,
    "  version: 0.1.0",
    `  summary: ${JSON.stringify(`Jobs of ${name}`)}`,
    "requires:",
    '  flwd: ">=0.1.0"',
    "# The jobs of jobs/ this add-on exposes; leave the list out to expose every job.",
    "jobs:",
    "  - { id: hello-world, summary: Greets someone }",
    ""
  ].join("\n")
  const config = [
    "name: Hello world",
    "summary: Greets someone",
    "command: ./run.sh",
    "argspec:",
    "  args:",
    "    - { name: name, type: string, default: world, description: Who to greet }",
    ""
  ].join("\n")
  // POSIX sh only: the image may have nothing but busybox.
  const script = [
    "#!/bin/sh",
    "# flwd passes each argument as ARG_<NAME> (see docs/job-trees.md).",
    "set -eu",
    'echo "Hello, ${ARG_NAME:-world}!"',
    ""
  ].join("\n")
  return [
    ["manifest.yaml", manifest, 0o644],
    ["jobs/hello-world/config.yaml", config, 0o644],
    ["jobs/hello-world/run.sh", script, 0o755]
  ]
}

/** The host's busybox when `busybox: true`: where Debian's busybox-static puts it. */
export const HOST_BUSYBOX = "/bin/busybox"

/** Whether `file` is an ELF executable that needs no dynamic loader (no PT_INTERP header). */
async function isStaticElf(file: string): Promise<boolean> {
  const handle = await open(file, "r")
  try {
    const head = Buffer.alloc(64)
    await handle.read(head, 0, 64, 0)
    if (head.readUInt32BE(0) !== 0x7f454c46) return false
    const is64 = head[4] === 2
    const le = head[5] === 1
    const u16 = (b: Buffer, o: number) => le ? b.readUInt16LE(o) : b.readUInt16BE(o)
    const u32 = (b: Buffer, o: number) => le ? b.readUInt32LE(o) : b.readUInt32BE(o)
    const phoff = is64 ? Number(le ? head.readBigUInt64LE(0x20) : head.readBigUInt64BE(0x20)) : u32(head, 0x1c)
    const phentsize = u16(head, is64 ? 0x36 : 0x2a)
    const phnum = u16(head, is64 ? 0x38 : 0x2c)
    const table = Buffer.alloc(phentsize * phnum)
    await handle.read(table, 0, table.length, phoff)
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === 3) return false
    return true
  } finally {
    await handle.close()
  }
}

async function copyBusybox(dir: string, from: string): Promise<ReadonlyArray<string>> {
  const ok = await isStaticElf(from).catch(() => undefined)
  if (ok !== true) {
    const why = ok === undefined
      ? "cannot be read (install a static busybox, e.g. Debian's busybox-static)"
      : "is not a statically linked executable; it would not run without the host's libraries"
    throw invalid("busybox", why, `${from} ${why}`)
  }
  await mkdir(join(dir, "rootfs", "bin"), { recursive: true })
  await copyFile(from, join(dir, "rootfs", "bin", "busybox"))
  await chmod(join(dir, "rootfs", "bin", "busybox"), 0o755)
  await unlink(join(dir, "rootfs", "bin", "sh")).catch(() => undefined)
  // Relative: a link inside rootfs/ that resolves in the image as on disk.
  await symlink("busybox", join(dir, "rootfs", "bin", "sh"))
  return ["rootfs/bin/busybox", "rootfs/bin/sh"]
}

/**
 * Scaffolds an add-on in `dir`. Fails with `validation.failed` for a
 * non-empty directory (unless `force`) or an invalid id or name.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * await initAddon({ dir: "hello-tools" })
 * ```
 */
export async function initAddon(options: InitAddonOptions): Promise<InitAddonResult> {
  const dir = resolve(options.dir)
  const id = options.id ?? defaultId(dir)
  if (!ID.test(id)) {
    const message = "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    throw invalid("id", message, `Invalid add-on id ${JSON.stringify(id.slice(0, 100))}: ${message}${options.id === undefined ? "; pass --id" : ""}`)
  }
  const name = options.name ?? titleCase(id)
  if (name.trim() === "" || name.length > 200 || /[\r\n]/.test(name)) {
    throw invalid("name", "must be one line of 1-200 characters", "Invalid add-on name: must be one line of 1-200 characters")
  }
  const existing = await readdir(dir).catch((e: unknown) => {
    if (codeOf(e) === "ENOENT") return [] as Array<string>
    throw invalid("dir", codeOf(e) === "ENOTDIR" ? "is not a directory" : "cannot be read", `Cannot scaffold ${dir}: ${messageOf(e)}`)
  })
  if (existing.length > 0 && options.force !== true) {
    throw invalid("dir", "is not empty", `${dir} is not empty; pass --force to write the scaffold files into it anyway`)
  }
  const files = scaffold(id, name)
  for (const [path, text, mode] of files) {
    const target = join(dir, path)
    await mkdir(join(target, ".."), { recursive: true })
    await writeFile(target, text, { mode })
    // writeFile keeps the mode of a file it overwrites (and the umask applies): set it.
    await chmod(target, mode)
  }
  const extra = options.busybox === undefined || options.busybox === false
    ? []
    : await copyBusybox(dir, options.busybox === true ? HOST_BUSYBOX : options.busybox)
  return { dir, id, name, files: [...files.map(([path]) => path), ...extra] }
}
