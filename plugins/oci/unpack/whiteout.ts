/**
 * @module
 * OCI whiteouts (image-spec layer.md "Whiteouts"): `.wh.<name>` removes
 * `<name>` of the lower layers, `.wh..wh..opq` hides every lower entry of its
 * directory. Both apply only to what earlier layers left: entries of the same
 * layer are kept whatever their order in the archive.
 */
import { readdir } from "node:fs/promises"
import type { SafeRoot } from "./safe-root.ts"

/** The prefix marking a whiteout. @since 0.1.0 @category constants */
export const WHITEOUT_PREFIX = ".wh."
/** The opaque-directory marker. @since 0.1.0 @category constants */
export const OPAQUE_MARKER = ".wh..wh..opq"

/**
 * Paths the current layer wrote, and their parent directories.
 *
 * @since 0.1.0
 * @category models
 */
export class LayerWrites {
  readonly written = new Set<string>()
  readonly ancestors = new Set<string>()

  add(parts: ReadonlyArray<string>): void {
    this.written.add(parts.join("/"))
    for (let i = 1; i < parts.length; i++) this.ancestors.add(parts.slice(0, i).join("/"))
  }
}

/** Removes `dir/name` left by an earlier layer. @since 0.1.0 @category utils */
export async function applyWhiteout(root: SafeRoot, dir: ReadonlyArray<string>, name: string, writes: LayerWrites, entry: string): Promise<void> {
  const target = [...dir, name]
  if (writes.written.has(target.join("/")) || writes.ancestors.has(target.join("/"))) return
  if (!(await root.parents(target, false, entry))) return
  if ((await root.stat(target)) !== null) await root.remove(target)
}

/** Removes everything under `dir` that the current layer did not write. @since 0.1.0 @category utils */
export async function applyOpaque(root: SafeRoot, dir: ReadonlyArray<string>, writes: LayerWrites, entry: string): Promise<void> {
  if (!(await root.parents([...dir, OPAQUE_MARKER], false, entry))) return
  const st = await root.stat(dir)
  if (st === null || !st.isDirectory()) return
  await prune(root, dir, writes)
}

async function prune(root: SafeRoot, dir: ReadonlyArray<string>, writes: LayerWrites): Promise<void> {
  for (const name of await readdir(root.abs(dir))) {
    const child = [...dir, name]
    const rel = child.join("/")
    const keep = writes.written.has(rel) || writes.ancestors.has(rel)
    if (!keep) {
      await root.remove(child)
      continue
    }
    // A directory this layer (re)declared shows only this layer's content below an opaque parent.
    const st = await root.stat(child)
    if (st?.isDirectory() === true) await prune(root, child, writes)
  }
}
