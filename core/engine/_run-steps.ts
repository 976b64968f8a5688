/**
 * @module
 * Executing a run's steps as a DAG: every step waits for the steps it
 * `needs`, independent steps run in parallel, and a failed step skips its
 * dependants while independent branches carry on.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import type { StoreError } from "../domain/errors.ts"
import type { Step } from "../domain/job.ts"
import type { NewEvent } from "../domain/run.ts"
import type { Binding } from "./_run-env.ts"
import { traced } from "./_span.ts"
import type { ResolvedPlan } from "./runner.ts"

/** How the steps of a run ended, before cancel and timeout are considered. */
export type StepsOutcome =
  | { readonly _tag: "succeeded" }
  | {
    readonly _tag: "failed"
    readonly code: "run.exit.nonzero" | "executor.failed"
    readonly detail: string
    readonly exit_code: number | null
  }

/** What running the steps needs from the Runner. */
export interface StepsContext {
  readonly runId: string
  readonly resolved: ResolvedPlan
  readonly binding: Binding
  readonly runDir: string
  /** Each step gets `<secretsRoot>/<index>`: parallel steps never share one. */
  readonly secretsRoot: string
  readonly publish: (events: ReadonlyArray<NewEvent>) => Effect.Effect<unknown, StoreError>
  readonly now: Effect.Effect<string>
}

type StepStatus = "succeeded" | "failed" | "skipped"

/** Output lines the journal refused are offered again for up to a minute: 0.1 s, doubling, at most 2 s apart. */
const OUTPUT_RETRY = Schedule.exponential(Duration.millis(100)).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(2))),
  Schedule.upTo(Duration.minutes(1))
)

/** Returns why the steps do not form a DAG, or null when they do. */
export function invalidSteps(steps: ReadonlyArray<Step>): string | null {
  if (steps.length === 0) return "the job has no steps"
  const byId = new Map<string, Step>()
  for (const step of steps) {
    if (byId.has(step.id)) return `step id "${step.id}" is used twice`
    byId.set(step.id, step)
  }
  for (const step of steps) {
    for (const need of step.needs) {
      if (!byId.has(need)) return `step "${step.id}" needs unknown step "${need}"`
    }
  }
  // Depth-first search; a step met again while on the stack closes a cycle.
  const state = new Map<string, "visiting" | "done">()
  const visit = (id: string): string | null => {
    if (state.get(id) === "done") return null
    if (state.get(id) === "visiting") return `steps form a cycle through "${id}"`
    state.set(id, "visiting")
    for (const need of byId.get(id)!.needs) {
      const found = visit(need)
      if (found !== null) return found
    }
    state.set(id, "done")
    return null
  }
  for (const step of steps) {
    const found = visit(step.id)
    if (found !== null) return found
  }
  return null
}

/** Runs every step; fails only when the journal cannot be written. */
export function runSteps(ctx: StepsContext): Effect.Effect<StepsOutcome, StoreError> {
  return Effect.gen(function* () {
    const steps = ctx.resolved.plan.steps
    const single = steps.length === 1
    const done = new Map<string, Deferred.Deferred<StepStatus>>()
    for (const step of steps) done.set(step.id, yield* Deferred.make<StepStatus>())
    let failure: StepsOutcome | null = null

    const event = (type: NewEvent["type"], data: Record<string, unknown>) => Effect.map(ctx.now, (at): NewEvent => ({ run_id: ctx.runId, type, at, data }))
    const emit = (type: NewEvent["type"], data: Record<string, unknown>) => Effect.flatMap(event(type, data), (e) => ctx.publish([e]))
    const name = (step: Step) => (single ? "" : `step "${step.id}" `)

    const onOutput = (step: Step) => (stream: "stdout" | "stderr", lines: ReadonlyArray<string>) =>
      Effect.flatMap(ctx.now, (at) =>
        ctx.publish(lines.map((line) => ({
          run_id: ctx.runId,
          type: "log" as const,
          at,
          data: { step: step.id, stream, line: ctx.binding.redact(line) }
        })))).pipe(
          // A store that is restarting or failing over answers again within seconds: the lines wait
          // (the executor reads no more output meanwhile) instead of being lost with the reader.
          Effect.retry(OUTPUT_RETRY),
          // The executor's callback cannot fail; a journal failure ends the run as a defect.
          Effect.orDie,
          Effect.asVoid
        )

    const execute = (step: Step, index: number) =>
      Effect.gen(function* () {
        yield* emit("step.started", { step: step.id })
        const result = yield* Effect.either(ctx.resolved.executor.execute({
          runId: ctx.runId,
          job: ctx.resolved.job,
          step,
          runDir: ctx.runDir,
          secretsDir: `${ctx.secretsRoot}/${index}`,
          env: ctx.binding.env,
          secrets: ctx.binding.secrets,
          settings: ctx.resolved.settings,
          onOutput: onOutput(step)
        })).pipe(
          // Stopped by cancel or timeout: close the step in the journal.
          Effect.onInterrupt(() => Effect.ignore(emit("step.finished", { step: step.id, status: "canceled" })))
        )
        if (Either.isLeft(result)) {
          const error = { code: result.left.code, detail: ctx.binding.redact(result.left.detail) }
          yield* emit("step.finished", { step: step.id, status: "failed", exit_code: null, error })
          failure ??= { _tag: "failed", code: "executor.failed", detail: error.detail, exit_code: null }
          return "failed" as const
        }
        const { exitCode, signal } = result.right
        const status = exitCode === 0 ? "succeeded" as const : "failed" as const
        yield* emit("step.finished", { step: step.id, status, exit_code: exitCode, ...(signal ? { signal } : {}) })
        if (status === "failed") {
          const detail = signal ? `${name(step)}was killed by ${signal}` : `${name(step)}exited with code ${exitCode}`
          failure ??= { _tag: "failed", code: "run.exit.nonzero", detail, exit_code: exitCode }
        }
        return status
      }).pipe(traced("run.step", () => ({ "flwd.run_id": ctx.runId, "flwd.step": step.id })))

    const runStep = (step: Step, index: number) =>
      Effect.gen(function* () {
        const needs = yield* Effect.forEach(step.needs, (id) => Deferred.await(done.get(id)!))
        let status: StepStatus
        if (needs.every((s) => s === "succeeded")) status = yield* execute(step, index)
        else {
          yield* emit("step.finished", { step: step.id, status: "skipped" })
          status = "skipped"
        }
        yield* Deferred.succeed(done.get(step.id)!, status)
      })

    yield* Effect.forEach(steps, runStep, { concurrency: "unbounded", discard: true })
    return failure ?? { _tag: "succeeded" as const }
  })
}
