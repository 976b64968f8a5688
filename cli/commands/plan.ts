/**
 * @module
 * `flwd :plan <job> [job flags]`: what a run would do — arguments with
 * defaults applied (secrets as `***`), profile, executor, steps, timeout —
 * without running anything.
 */
import type { Plan } from "../../core/mod.ts"
import type { CommandContext } from "../context.ts"
import type { Output } from "../output.ts"
import { call } from "./_engine.ts"
import { jobRequest } from "./_job.ts"

/** `90s`, `10m`, `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0 || ms < 1000) return `${ms}ms`
  let s = ms / 1000
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`
}

/** An argument value as shown to people: strings verbatim, the rest as JSON. */
export function showValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value)
}

function printPlan(out: Output, plan: Plan): void {
  const { style } = out
  out.line(`${style.bold("Plan")} for ${plan.job_id}${plan.source === "default" ? "" : ` (source ${plan.source})`}`)
  out.fields([
    ["Job", plan.job.summary !== undefined ? `${plan.job.name} — ${plan.job.summary}` : plan.job.name],
    ["Profile", plan.profile],
    ["Executor", `${plan.executor.kind}${plan.executor.available ? "" : style.red(" (unavailable)")}`],
    ["Timeout", formatDuration(plan.timeout_ms)]
  ], "  ")
  const args = Object.entries(plan.args)
  out.line("  Args")
  if (args.length === 0) out.line("    (none)")
  out.fields(args.map(([k, v]) => [k, `= ${showValue(v)}`] as const), "    ")
  out.line("  Steps")
  plan.steps.forEach((step, i) => {
    const needs = step.needs.length > 0 ? style.dim(` (after ${step.needs.join(", ")})`) : ""
    out.line(`    ${i + 1}. ${step.id}: ${step.argv.join(" ")}${needs}`)
  })
  const provenance = Object.entries(plan.provenance)
  if (provenance.length > 0) {
    out.line("  Provenance")
    out.fields(provenance.map(([k, v]) => [k, showValue(v)] as const), "    ")
  }
  for (const w of plan.warnings) out.line(`  ${style.yellow("warning")}: ${w}`)
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const request = await jobRequest(ctx, ":plan ")
  if (request === null) return 0
  const plan = await call(ctx, (e) => e.plan(request))
  if (ctx.out.json) ctx.out.document(plan)
  else printPlan(ctx.out, plan)
  return 0
}
