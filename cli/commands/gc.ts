/**
 * @module
 * `flwd :gc [--dry-run]`: frees the disk space plugins keep in the data
 * directory that no source refers to (the add-on plugin's unpacked rootfs,
 * cached blobs and pins). Every plugin's `gc` hook runs over the engine's
 * source records, in this process's data directory; a server's directory
 * is collected on its host. The command knows no plugin by name.
 */
import { collectGarbage, describeGc } from "../../server/gc-sweep.ts"
import { expectPositionals, parseArgs, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { findCommand } from "../registry.ts"
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
  const result = await collectGarbage(await ctx.engine(), { dryRun })
  const { out } = ctx
  if (out.json) {
    // Each plugin's own figures at the top level (the add-on plugin's rootfs, blobs, pins, skipped), then the totals.
    const details = Object.assign(
      {},
      ...result.plugins.map((p) => {
        const { summary: _summary, items: _items, ...rest } = p.report.details ?? {}
        return rest
      })
    )
    out.document({ ...details, removed: result.removed, freed_bytes: result.freedBytes, dry_run: dryRun })
    return 0
  }
  for (const p of result.plugins) {
    const skipped = p.report.details?.skipped
    if (typeof skipped === "string") {
      out.note(`flwd: ${skipped}`)
      continue
    }
    out.line(`${describeGc(p)}; ${formatBytes(p.report.bytes)} ${dryRun ? "to free" : "freed"}`)
    const items = p.report.details?.items
    for (const item of Array.isArray(items) ? items : []) out.info(out.style.dim(`  ${String(item)}`))
  }
  return 0
}
