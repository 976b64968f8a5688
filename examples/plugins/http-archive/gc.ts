/**
 * @module
 * The plugin's `gc` hook, run by `flwd :gc` and a server's periodic sweep:
 * every extraction under `<dataDir>/http-archive/<name>/` that no
 * `http-archive` source record's name and hash account for is removed (a
 * source removed while its engine was killed, an older hash).
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { Effect, type GcContext, type GcReport } from "../../../mod.ts"

function sizeOf(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false })
  if (st === undefined) return 0
  if (!st.isDirectory()) return st.size
  return readdirSync(path).reduce((n, name) => n + sizeOf(join(path, name)), 0)
}

/** Removes (or, on a dry run, lists) the extractions no source refers to. */
export function gcArchives(ctx: GcContext): Effect.Effect<GcReport> {
  return Effect.sync(() => {
    const base = join(ctx.dataDir, "http-archive")
    // What each source serves: its name and the prefix of its hash.
    const kept = new Set(
      ctx.sources.flatMap((s) => s.type === "http-archive" && typeof s.spec.sha256 === "string" ? [`${s.name}/${s.spec.sha256.slice(0, 16)}`] : [])
    )
    const removed: Array<string> = []
    let bytes = 0
    for (const name of existsSync(base) ? readdirSync(base) : []) {
      for (const entry of readdirSync(join(base, name))) {
        if (kept.has(`${name}/${entry.split("-")[0]}`)) continue
        const path = join(base, name, entry)
        bytes += sizeOf(path)
        if (!ctx.dryRun) rmSync(path, { recursive: true, force: true })
        removed.push(`${name}/${entry}`)
      }
    }
    const n = removed.length
    return {
      removed: n,
      bytes,
      details: {
        extractions: removed,
        summary: `${ctx.dryRun ? "would remove" : "removed"} ${n} archive extraction${n === 1 ? "" : "s"}`
      }
    }
  })
}
