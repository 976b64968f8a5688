/**
 * @module
 * `flwd <job> [job flags]` (also `flwd :run <job>`): starts a run, follows
 * its events and exits with the job's exit code. Log lines go to stdout and
 * stderr as the job wrote them; `--json` prints every event as NDJSON.
 * Ctrl-C cancels the run and exits 130 once the engine has ended it.
 */
import { Effect, type Run, type RunEvent, Stream } from "../../core/mod.ts"
import type { CommandContext, Interrupt } from "../context.ts"
import { type Output, printWarnings } from "../output.ts"
import { printProblem } from "../problem.ts"
import { logLines } from "../render-events.ts"
import { call } from "./_engine.ts"
import { jobRequest } from "./_job.ts"

const signalStatus: Record<Interrupt, number> = { SIGINT: 130, SIGTERM: 143 }

function render(out: Output, event: RunEvent, multiStep: boolean): void {
  if (out.json) {
    out.record(event)
    return
  }
  if (event.type === "log") {
    const { stream, lines } = logLines(event)
    for (const line of lines) out.raw(stream, `${line}\n`)
  } else if (event.type === "step.started" && multiStep && out.interactive) {
    out.info(out.style.dim(`▸ ${String(event.data.step ?? event.data.step_id ?? "")}`))
  }
}

/** The exit status a finished run stands for; explains failures that are not the job's own exit code. */
function finish(out: Output, run: Run): number {
  if (run.status === "succeeded") return 0
  if (run.status === "canceled") {
    if (!out.json) out.note(`flwd: run ${run.id} was canceled`)
    return 130
  }
  // The job's own failure: its stderr has said why, its code says the rest.
  if (run.exit_code !== null && run.exit_code > 0) {
    if (out.interactive && !out.json) out.info(out.style.dim(`flwd: run ${run.id} failed with exit code ${run.exit_code}`))
    return Math.min(run.exit_code, 255)
  }
  // Anything else (timeout, executor, sandbox) is flwd's to explain.
  printProblem(out, run.error ?? { code: "internal", detail: `run ${run.id} failed` })
  return 1
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const { out } = ctx
  const request = await jobRequest(ctx, ctx.command === ":run" ? ":run " : "")
  if (request === null) return 0
  const started = await call(ctx, (e) => e.run(request))
  const multiStep = started.plan.steps.length > 1
  printWarnings(out, started.job_id, started.plan.warnings)
  if (out.interactive && !out.json) out.info(out.style.dim(`flwd: run ${started.id} (${started.job_id})`))

  let interrupted: Interrupt | undefined
  const stop = ctx.onInterrupt((signal) => {
    if (interrupted !== undefined) return
    interrupted = signal
    if (!out.json) out.note(`flwd: canceling run ${started.id}`)
    // A run that ended meanwhile cannot be canceled; its own outcome stands.
    call(ctx, (e) => e.cancel(started.id)).catch(() => undefined)
  })
  try {
    await call(ctx, (e) => Stream.runForEach(e.runEvents(started.id), (event) => Effect.sync(() => render(out, event, multiStep))))
    // The terminal event is journaled before the run record is updated.
    await call(ctx, (e) => e.awaitIdle)
  } finally {
    stop()
  }
  const final = await call(ctx, (e) => e.getRun(started.id))
  if (interrupted !== undefined) return signalStatus[interrupted]
  return finish(out, final)
}
