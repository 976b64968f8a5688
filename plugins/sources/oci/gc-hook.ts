/**
 * @module
 * The OCI plugin's `gc` hook, called by `flwd :gc` and the server's
 * periodic sweep without their knowing this plugin: the images no source
 * record refers to and no engine holds a lease on are collected (`gc.ts`),
 * and the result is reported in the contract's terms with the plugin's own
 * figures as details (what a lease kept under `leased`).
 */
import * as Effect from "effect/Effect"
import type { GcContext, GcReport } from "../../../core/mod.ts"
import { collectReferences, gcAddons } from "./gc.ts"

/**
 * Collects the add-ons of `ctx.dataDir` that no source refers to.
 *
 * @since 0.2.0
 * @category constructors
 */
export function gcOci(ctx: GcContext): Effect.Effect<GcReport> {
  return Effect.gen(function* () {
    const refs = yield* collectReferences(ctx.dataDir, ctx.sources)
    const r = yield* gcAddons(ctx.dataDir, refs, { dryRun: ctx.dryRun, leases: ctx.leases })
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`
    return {
      removed: r.rootfs.length + r.blobs.length + r.pins.length,
      bytes: r.freedBytes,
      details: {
        rootfs: r.rootfs,
        blobs: r.blobs,
        pins: r.pins,
        skipped: r.skipped,
        leased: r.leased,
        // What `flwd :gc` prints and the server logs, in this plugin's words.
        summary: `${ctx.dryRun ? "would remove" : "removed"} ${plural(r.rootfs.length, "rootfs")}, ${plural(r.blobs.length, "blob")} and ${
          plural(r.pins.length, "pin")
        }${r.leased.length > 0 ? `; kept ${r.leased.length} leased` : ""}`,
        items: [...r.rootfs.map((digest) => `rootfs ${digest}`), ...r.leased.map((l) => `kept ${l.item}: ${l.reason}`)]
      }
    }
  })
}
