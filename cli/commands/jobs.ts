/**
 * @module
 * `flwd :jobs`: the catalogue as a table (ID, SUMMARY, SOURCE), as JSON, or
 * as bare ids for shell completion (`--ids`). The JSON is the server's own
 * view of `GET /jobs`, so a script reads one shape either way. An unchanged
 * tree is answered from the listing cache (`../listing-cache.ts`) without
 * starting the engine; the engine and the server's views are imported only
 * when the cache misses.
 */
import { expectPositionals, parseArgs } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { cacheScope } from "../job-id-cache.ts"
import { noteLiveServers } from "../live-servers.ts"
import { type ListingTable, readDocument, readTable, writeListing } from "../listing-cache.ts"
import { findCommand } from "../registry.ts"

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, findCommand(":jobs")!.flags, ":jobs")
  expectPositionals(parsed, 0, ":jobs")
  const { out } = ctx
  // `--verbose` asks which engine answers and how (data dir, profile, policy, timing): a start, not the cache.
  const scope = out.isVerbose ? undefined : cacheScope(ctx.globals, ctx.env, process.cwd())
  const json = out.json && parsed.flags.ids !== true
  // A cached answer starts no engine; it warns of a live server as an engine start does.
  const noteServers = () => {
    if (scope !== undefined) noteLiveServers(out, scope.dataDir)
  }
  if (json) {
    let document = scope === undefined ? undefined : readDocument(scope)
    if (document === undefined) {
      document = await listDocument(ctx)
      if (scope !== undefined) ctx.afterEngine(() => writeListing(scope, { json: document }))
    } else noteServers()
    out.document(document)
    return 0
  }
  let table = scope === undefined ? undefined : readTable(scope)
  if (table === undefined) {
    table = await listTable(ctx, parsed.flags.ids === true)
    if (scope !== undefined && parsed.flags.ids !== true) ctx.afterEngine(() => writeListing(scope, { table: table! }))
  } else noteServers()
  if (parsed.flags.ids === true) {
    for (const [id] of table.rows) out.line(id)
    return 0
  }
  if (table.rows.length === 0) {
    out.info("no jobs found (the job tree is --root, default ./jobs)")
  } else {
    out.table(["ID", "SUMMARY", "SOURCE"], table.rows)
  }
  // Broken job definitions are reported, not hidden: the rest still work.
  for (const d of table.diagnostics) {
    const label = d.level === "error" ? out.style.red("error") : out.style.yellow("warning")
    out.note(`${label}: ${d.source === "default" ? "" : `${d.source}: `}${d.path}: ${d.code}: ${d.message}`)
  }
  return 0
}

/** The table from the engine; `idsOnly` skips the diagnostics `--ids` does not print. */
async function listTable(ctx: CommandContext, idsOnly: boolean): Promise<ListingTable> {
  const { call } = await import("./_engine.ts")
  const jobs = [...await call(ctx, (e) => e.jobs())].sort((a, b) => a.id.localeCompare(b.id))
  const rows = jobs.map((j) => [j.id, j.summary ?? j.name, j.source] as const)
  if (idsOnly) return { rows, diagnostics: [] }
  const diagnostics = (await call(ctx, (e) => e.diagnostics())).map(({ level, source, path, code, message }) => ({ level, source, path, code, message }))
  return { rows, diagnostics }
}

/** The JSON document from the engine, as `GET /jobs` answers. */
async function listDocument(ctx: CommandContext): Promise<unknown> {
  const [{ call }, { jobSummary }] = await Promise.all([import("./_engine.ts"), import("../../server/routes/_views.ts")])
  const jobs = [...await call(ctx, (e) => e.jobs())].sort((a, b) => a.id.localeCompare(b.id))
  const sources = new Map((await call(ctx, (e) => e.sources())).map((s) => [s.name, s]))
  // A server's listing carries no argspec; its args_schema comes from each job's detail.
  const full = ctx.globals.remote === undefined ? jobs : await Promise.all(jobs.map((j) => call(ctx, (e) => e.job(j.id)).then((v) => v.job)))
  return { items: full.map((job) => jobSummary(job, sources.get(job.source))) }
}
