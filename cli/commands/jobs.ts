/**
 * @module
 * `flwd :jobs`: the catalogue as a table (ID, SUMMARY, SOURCE), as JSON, or
 * as bare ids for shell completion (`--ids`). The JSON is the server's own
 * view of `GET /jobs`, so a script reads one shape either way.
 */
import { expectPositionals, parseArgs } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { jobSummary } from "../../server/routes/_views.ts"
import { findCommand } from "../registry.ts"
import { call } from "./_engine.ts"

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, findCommand(":jobs")!.flags, ":jobs")
  expectPositionals(parsed, 0, ":jobs")
  const jobs = [...await call(ctx, (e) => e.jobs())].sort((a, b) => a.id.localeCompare(b.id))
  const { out } = ctx
  if (parsed.flags.ids === true) {
    for (const job of jobs) out.line(job.id)
    return 0
  }
  if (out.json) {
    const sources = new Map((await call(ctx, (e) => e.sources())).map((s) => [s.name, s]))
    // A server's listing carries no argspec; its args_schema comes from each job's detail.
    const full = ctx.globals.remote === undefined ? jobs : await Promise.all(jobs.map((j) => call(ctx, (e) => e.job(j.id)).then((v) => v.job)))
    out.document({ items: full.map((job) => jobSummary(job, sources.get(job.source))) })
    return 0
  }
  if (jobs.length === 0) {
    out.info("no jobs found (the job tree is --root, default ./jobs)")
  } else {
    out.table(["ID", "SUMMARY", "SOURCE"], jobs.map((j) => [j.id, j.summary ?? j.name, j.source]))
  }
  // Broken job definitions are reported, not hidden: the rest still work.
  const diagnostics = await call(ctx, (e) => e.diagnostics())
  for (const d of diagnostics) {
    const label = d.level === "error" ? out.style.red("error") : out.style.yellow("warning")
    out.note(`${label}: ${d.source === "default" ? "" : `${d.source}: `}${d.path}: ${d.code}: ${d.message}`)
  }
  return 0
}
