/**
 * @module
 * OCI whiteouts (image-spec layer.md "Whiteouts"): `.wh.<name>` removes
 * `<name>` of the lower layers, `.wh..wh..opq` hides every lower entry of its
 * directory. Both apply only to what earlier layers left: entries of the same
 * layer are kept whatever their order in the archive.
 */
import { readdirSync } from "node:fs"
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
export function applyWhiteout(root: SafeRoot, dir: ReadonlyArray<string>, name: string, writes: LayerWrites, entry: string): void {
  const target = [...dir, name]
  if (writes.written.has(target.join("/")) || writes.ancestors.has(target.join("/"))) return
  if (!root.parents(target, false, entry)) return
  if (root.stat(target) !== null) root.remove(target)
}

/** Removes everything under `dir` that the current layer did not write. @since 0.1.0 @category utils */
export function applyOpaque(root: SafeRoot, dir: ReadonlyArray<string>, writes: LayerWrites, entry: string): void {
  if (!root.parents([...dir, OPAQUE_MARKER], false, entry)) return
  const st = root.stat(dir)
  if (st === null || !st.isDirectory()) return
  prune(root, dir, writes)
}

function prune(root: SafeRoot, dir: ReadonlyArray<string>, writes: LayerWrites): void {
  for (const name of readdirSync(root.abs(dir))) {
    const child = [...dir, name]
    const rel = child.join("/")
    const keep = writes.written.has(rel) || writes.ancestors.has(rel)
    if (!keep) {
      root.remove(child)
      continue
    }
    // A directory this layer (re)declared shows only this layer's content below an opaque parent.
    const st = root.stat(child)
    if (st?.isDirectory() === true) prune(root, child, writes)
  }
}
