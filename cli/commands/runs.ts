/**
 * @module
 * `flwd :runs`: run history (ID, JOB, STATUS, EXIT, CREATED), one run's
 * details, its events (following it until it ends) and cancellation.
 */
import { Effect, type Run, type RunFilter, RunStatus, Stream } from "../../core/mod.ts"
import { expectPositionals, parseArgs, type ParsedArgs, stringFlag, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import type { Output } from "../output.ts"
import { checkSubcommand, findCommand } from "../registry.ts"
import { describeEvent } from "../render-events.ts"
import { call } from "./_engine.ts"
import { showValue } from "./plan.ts"

const spec = findCommand(":runs")!

/** `2025-01-02 03:04:05` from an ISO timestamp. */
function when(iso: string | null): string {
  return iso === null ? "-" : iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "")
}

function colorStatus(out: Output, status: RunStatus): string {
  return status === "succeeded"
    ? out.style.green(status)
    : status === "failed"
    ? out.style.red(status)
    : status === "canceled"
    ? out.style.yellow(status)
    : status
}

/** Reads a run id operand. */
function runId(parsed: ParsedArgs, where: string): string {
  const [id] = expectPositionals(parsed, 1, where)
  if (id === undefined) {
    throw new UsageError(`${where} needs a run id (see \`flwd :runs\`)`, { errors: [{ path: "id", message: "missing run id" }] })
  }
  return id
}

async function list(ctx: CommandContext, parsed: ParsedArgs): Promise<number> {
  expectPositionals(parsed, 0, ":runs")
  const limitText = stringFlag(parsed, "limit")
  const limit = limitText === undefined ? undefined : Number(limitText)
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError("--limit takes a positive integer", { errors: [{ path: "--limit", message: "must be a positive integer" }] })
  }
  const status = stringFlag(parsed, "status")
  const statuses: ReadonlyArray<string> = RunStatus.literals
  if (status !== undefined && !statuses.includes(status)) {
    throw new UsageError(`--status takes one of ${statuses.join(", ")}`, {
      errors: [{ path: "--status", message: `must be one of ${statuses.join(", ")}` }]
    })
  }
  const filter: RunFilter = {
    job_id: stringFlag(parsed, "job"),
    status: status as RunStatus | undefined,
    limit,
    cursor: stringFlag(parsed, "cursor")
  }
  const page = await call(ctx, (e) => e.runs(filter))
  const { out } = ctx
  if (out.json) {
    out.document(page)
    return 0
  }
  if (page.items.length === 0) {
    out.info("no runs")
    return 0
  }
  out.table(
    ["ID", "JOB", "STATUS", "EXIT", "CREATED"],
    page.items.map((r) => [r.id, r.job_id, colorStatus(out, r.status), r.exit_code === null ? "-" : String(r.exit_code), when(r.created_at)])
  )
  if (page.next_cursor !== null) out.info(`more: flwd :runs --cursor ${page.next_cursor}`)
  return 0
}

function printRun(out: Output, run: Run): void {
  out.fields([
    ["Run", run.id],
    ["Job", `${run.job_id}${run.source === "default" ? "" : ` (source ${run.source})`}`],
    ["Status", colorStatus(out, run.status)],
    ["Exit", run.exit_code === null ? "-" : String(run.exit_code)],
    ["Profile", run.profile],
    ["Created", when(run.created_at)],
    ["Started", when(run.started_at)],
    ["Finished", when(run.finished_at)],
    ...(run.error !== null ? [["Error", `${run.error.code}: ${run.error.detail}`] as const] : [])
  ])
  const args = Object.entries(run.args)
  if (args.length > 0) {
    out.line("Args")
    out.fields(args.map(([k, v]) => [k, `= ${showValue(v)}`] as const), "  ")
  }
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const [first, ...rest] = ctx.args
  checkSubcommand(spec, first)
  const sub = spec.subcommands!.find((s) => s.name === first)
  if (sub === undefined) return list(ctx, parseArgs(ctx.args, spec.flags, ":runs"))
  const where = `:runs ${sub.name}`
  const parsed = parseArgs(rest, sub.name === "list" ? spec.flags : sub.flags, where)
  const { out } = ctx
  switch (sub.name) {
    case "show": {
      const found = await call(ctx, (e) => e.getRun(runId(parsed, where)))
      if (out.json) out.document(found)
      else printRun(out, found)
      return 0
    }
    case "events": {
      const id = runId(parsed, where)
      await call(ctx, (e) => Stream.runForEach(e.runEvents(id), (event) => Effect.sync(() => (out.json ? out.record(event) : out.line(describeEvent(event))))))
      return 0
    }
    case "cancel": {
      const canceled = await call(ctx, (e) => e.cancel(runId(parsed, where)))
      if (out.json) out.document(canceled)
      else out.line(`run ${canceled.id}: ${colorStatus(out, canceled.status)}`)
      return 0
    }
    default:
      return list(ctx, parsed)
  }
}
