/**
 * @module
 * `flwd :gc [--dry-run]`: frees the disk space of pulled add-ons no source
 * refers to — unpacked rootfs under `addons/`, cached blobs and pins. The
 * engine lists the sources (so their references are exactly what it would
 * serve), then the add-on plugin's collector does the work in this
 * process's data directory; a server's directory is collected on its host.
 */
import { Effect } from "../../core/mod.ts"
import { collectReferences, gcAddons } from "../../plugins/sources/oci/mod.ts"
import { expectPositionals, parseArgs, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { findCommand } from "../registry.ts"
import { call } from "./_engine.ts"
import { formatBytes } from "./_pull-progress.ts"

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, findCommand(":gc")!.flags, ":gc")
  expectPositionals(parsed, 0, ":gc")
  if (ctx.globals.remote !== undefined) {
    throw new UsageError(":gc collects the data directory of this machine; run it where the server runs", {
      errors: [{ path: "--remote", message: "not with :gc" }]
    })
  }
  const dryRun = parsed.flags["dry-run"] === true
  const records = await call(ctx, (e) => e.sources())
  const { dataDir } = (await ctx.engine()).settings
  const result = await Effect.runPromise(Effect.flatMap(collectReferences(dataDir, records), (refs) => gcAddons(dataDir, refs, { dryRun })))
  const { out } = ctx
  if (out.json) {
    const { freedBytes, ...rest } = result
    out.document({ ...rest, freed_bytes: freedBytes, dry_run: dryRun })
    return 0
  }
  if (result.skipped !== null) {
    out.note(`flwd: ${result.skipped}`)
    return 0
  }
  const verb = dryRun ? "would remove" : "removed"
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`
  out.line(`${verb} ${plural(result.rootfs.length, "rootfs")}, ${plural(result.blobs.length, "blob")} and ${plural(result.pins.length, "pin")}; ${formatBytes(result.freedBytes)} ${dryRun ? "to free" : "freed"}`)
  for (const digest of result.rootfs) out.info(out.style.dim(`  rootfs ${digest}`))
  return 0
}
