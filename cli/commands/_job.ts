/**
 * @module
 * Resolving `<job> [job flags]` for `:plan` and running: finds the job,
 * prints its help when asked, and turns its flags into a plan request.
 */
import type { Job, PlanRequest } from "../../core/mod.ts"
import { UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { parseJobFlags, printJobHelp } from "../job-flags.ts"
import { isProblemLike } from "../problem.ts"
import { visibleCommands } from "../registry.ts"
import { commandHint, didYouMean } from "../suggest.ts"
import { call } from "./_engine.ts"

/** The request to plan or run, or `null` when help was printed instead. */
export async function jobRequest(ctx: CommandContext, helpPrefix: string): Promise<PlanRequest | null> {
  const [id, ...flags] = ctx.args
  if (id === undefined || id.startsWith("-")) {
    throw new UsageError(`${ctx.command} needs a job id (see \`flwd :jobs\`)`, {
      errors: [{ path: "job", message: "missing job id" }]
    })
  }
  const job = await findJob(ctx, id)
  if (ctx.globals.help) {
    printJobHelp(ctx.out, job, helpPrefix)
    return null
  }
  return { job: job.id, args: parseJobFlags(flags, job) }
}

/** Looks a job up; a mistyped id fails with `job.not.found` and the nearest ids. */
async function findJob(ctx: CommandContext, id: string): Promise<Job> {
  try {
    return (await call(ctx, (e) => e.job(id))).job
  } catch (e) {
    if (!isProblemLike(e) || e.code !== "job.not.found" || e.detail.includes("did you mean")) throw e
    const hint = commandHint(id, visibleCommands().map((c) => c.name)) ||
      didYouMean(id, (await call(ctx, (engine) => engine.jobs())).map((j) => j.id))
    throw { code: e.code, status: e.status, title: e.title, errors: e.errors, detail: `${e.detail}${hint}` }
  }
}
