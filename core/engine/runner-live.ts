/**
 * @module
 * The Runner: queues runs FIFO under a global and a per-job limit, executes
 * their steps through the plan's executor, and journals every event. A run's
 * terminal event is journaled before the run record changes, which is what
 * lets followers of the EventBus stop exactly at the end.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { messageOf } from "../domain/caught.ts"
import { isProblem, RunError, type StoreError } from "../domain/errors.ts"
import { type NewEvent, type Run, terminalStatuses } from "../domain/run.ts"
import { bind } from "./_run-env.ts"
import { type Gate, makeGate } from "./_run-gate.ts"
import { makeRunId } from "./_run-id.ts"
import { invalidSteps, runSteps } from "./_run-steps.ts"
import { supervise } from "./_run-supervise.ts"
import { EngineConfig } from "./config.ts"
import { EventBus } from "./event-bus.ts"
import { type ResolvedPlan, Runner } from "./runner.ts"
import { Store } from "./store.ts"

type Outcome =
  | { readonly _tag: "succeeded" }
  | { readonly _tag: "failed"; readonly code: string; readonly detail: string; readonly exit_code: number | null }
  | { readonly _tag: "canceled"; readonly reason: string }

interface Entry {
  readonly id: string
  readonly cancel: Deferred.Deferred<string>
  readonly done: Deferred.Deferred<void>
}

const CANCEL_REASON = "canceled on request"
const STOP_REASON = "engine stopped"

const iso = (ms: number) => new Date(ms).toISOString()
const now = Effect.map(Clock.currentTimeMillis, iso)
const joinPath = (...parts: ReadonlyArray<string>) => parts.map((p, i) => (i === 0 ? p.replace(/\/+$/, "") : p)).join("/")

function fromCause(cause: Cause.Cause<unknown>): Outcome {
  if (Cause.isInterruptedOnly(cause)) return { _tag: "canceled", reason: STOP_REASON }
  // What the run died of is unknown: read it through the guard and the classifier, never a cast.
  const error = Cause.squash(cause)
  if (isProblem(error) && error.code === "store.failed") {
    return { _tag: "failed", code: "store.failed", detail: error.detail, exit_code: null }
  }
  return { _tag: "failed", code: "internal", detail: messageOf(error), exit_code: null }
}

function terminal(runId: string, at: string, outcome: Outcome): NewEvent {
  switch (outcome._tag) {
    case "succeeded":
      return { run_id: runId, type: "run.finished", at, data: { exit_code: 0 } }
    case "failed":
      return {
        run_id: runId,
        type: "run.failed",
        at,
        data: { code: outcome.code, detail: outcome.detail, exit_code: outcome.exit_code ?? null }
      }
    case "canceled":
      return { run_id: runId, type: "run.canceled", at, data: { reason: outcome.reason } }
  }
}

function patch(outcome: Outcome, at: string): Partial<Omit<Run, "id" | "plan">> {
  switch (outcome._tag) {
    case "succeeded":
      return { status: "succeeded", exit_code: 0, error: null, finished_at: at }
    case "failed":
      return {
        status: "failed",
        exit_code: outcome.exit_code ?? null,
        error: { code: outcome.code, detail: outcome.detail },
        finished_at: at
      }
    case "canceled":
      return { status: "canceled", exit_code: null, error: null, finished_at: at }
  }
}

/**
 * The Runner. Runs are forked into the layer's scope: closing it interrupts
 * them, which stops their processes and records them as canceled.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Runner, never, Store | EventBus | EngineConfig> = Layer.scoped(
  Runner,
  Effect.gen(function* () {
    const store = yield* Store
    const bus = yield* EventBus
    const config = yield* EngineConfig
    const scope = yield* Effect.scope
    const global = makeGate(config.maxConcurrentRuns)
    const jobGates = new Map<string, Gate>()
    const active = new Map<string, Entry>()
    const count = yield* SubscriptionRef.make(0)

    // Keyed by the limit as well, so a reloaded job with a new limit gets a new gate.
    const jobGate = (resolved: ResolvedPlan): Gate | null => {
      const limit = resolved.job.concurrency
      if (limit === undefined || limit <= 0) return null
      const key = `${resolved.plan.source}\u0000${resolved.plan.job_id}\u0000${limit}`
      let gate = jobGates.get(key)
      if (gate === undefined) jobGates.set(key, gate = makeGate(limit))
      return gate
    }

    const execute = (run: Run, resolved: ResolvedPlan): Effect.Effect<Outcome, StoreError> =>
      Effect.gen(function* () {
        const at = yield* now
        yield* bus.publish([{
          run_id: run.id,
          type: "run.started",
          at,
          data: { job_id: run.job_id, executor: resolved.plan.executor.kind }
        }])
        yield* store.updateRun(run.id, { status: "running", started_at: at })
        const invalid = invalidSteps(resolved.plan.steps)
        if (invalid !== null) return { _tag: "failed", code: "discovery.invalid", detail: invalid, exit_code: null } as Outcome
        const base = joinPath(config.dataDir, "runs", run.id)
        const runDir = `${base}/work`
        const steps = runSteps({
          runId: run.id,
          resolved,
          binding: bind(resolved, { runId: run.id, runDir }),
          runDir,
          secretsRoot: `${base}/secrets`,
          publish: bus.publish,
          now
        })
        const timeout = resolved.plan.timeout_ms
        const deadline = timeout > 0 && Number.isFinite(timeout) ? Effect.sleep(Duration.millis(timeout)) : Effect.never
        const { exit, stopped } = yield* supervise(steps, deadline)
        if (stopped && Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) {
          return {
            _tag: "failed",
            code: "run.timeout",
            detail: `timed out after ${Duration.format(Duration.millis(timeout))}`,
            exit_code: null
          } as Outcome
        }
        return yield* exit
      })

    const finish = (entry: Entry, outcome: Outcome) =>
      Effect.gen(function* () {
        const at = yield* now
        // Terminal event first, then the record (see the module comment).
        yield* Effect.ignore(bus.publish([terminal(entry.id, at, outcome)]))
        yield* Effect.ignore(store.updateRun(entry.id, patch(outcome, at)))
      }).pipe(
        Effect.ensuring(Effect.suspend(() => {
          active.delete(entry.id)
          return SubscriptionRef.update(count, (n) => n - 1).pipe(Effect.zipRight(Deferred.succeed(entry.done, undefined)))
        }))
      )

    const lifecycle = (entry: Entry, run: Run, resolved: ResolvedPlan) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const queued = execute(run, resolved)
          const gate = jobGate(resolved)
          const gated = gate === null ? global.withPermit(queued) : gate.withPermit(global.withPermit(queued))
          let reason = STOP_REASON
          const canceled = Effect.tap(Deferred.await(entry.cancel), (r) => {
            reason = r
          })
          // Cancel interrupts the work; so does closing the Runner's scope
          // (this fiber interrupted). Either way the work, and the processes
          // it started, are gone before the run is recorded.
          const result = yield* Effect.exit(restore(supervise(gated, canceled)))
          const exit: Exit.Exit<Outcome, unknown> = Exit.isSuccess(result) ? result.value.exit : Exit.failCause(result.cause)
          const outcome: Outcome = Exit.isSuccess(exit)
            ? exit.value
            : Cause.isInterruptedOnly(exit.cause)
            ? { _tag: "canceled", reason }
            : fromCause(exit.cause)
          yield* finish(entry, outcome)
        })
      )

    const start = (resolved: ResolvedPlan) =>
      Effect.uninterruptible(Effect.gen(function* () {
        const ms = yield* Clock.currentTimeMillis
        const plan = resolved.plan
        const run: Run = {
          id: makeRunId(ms),
          job_id: plan.job_id,
          source: plan.source,
          status: "queued",
          profile: plan.profile,
          args: plan.args,
          exit_code: null,
          error: null,
          created_at: iso(ms),
          started_at: null,
          finished_at: null,
          plan
        }
        yield* store.insertRun(run)
        yield* bus.publish([
          { run_id: run.id, type: "run.queued", at: run.created_at, data: { job_id: run.job_id } },
          ...(resolved.decisions ?? []).map((d): NewEvent => ({ run_id: run.id, type: "policy.decision", at: run.created_at, data: { ...d } }))
        ]).pipe(
          Effect.tapError((e) =>
            Effect.ignore(store.updateRun(run.id, {
              status: "failed",
              error: { code: e.code, detail: e.detail },
              finished_at: run.created_at
            }))
          )
        )
        const entry: Entry = { id: run.id, cancel: yield* Deferred.make<string>(), done: yield* Deferred.make<void>() }
        active.set(run.id, entry)
        yield* SubscriptionRef.update(count, (n) => n + 1)
        // `start` is uninterruptible; the run itself must stay cancelable.
        yield* Effect.forkIn(Effect.interruptible(lifecycle(entry, run, resolved)), scope)
        return run
      }))

    const cancel = (id: string) =>
      Effect.gen(function* () {
        const entry = active.get(id)
        if (entry !== undefined) {
          yield* Deferred.succeed(entry.cancel, CANCEL_REASON)
          yield* Deferred.await(entry.done)
        }
        const run = yield* store.getRun(id)
        if (run === null) return yield* new RunError({ code: "run.not.found", detail: `no run ${id}` })
        if (entry === undefined && !terminalStatuses.includes(run.status)) {
          return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is not active in this engine` })
        }
        if (entry === undefined || run.status !== "canceled") {
          return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is already ${run.status}` })
        }
        return run
      })

    const awaitIdle = count.changes.pipe(Stream.filter((n) => n === 0), Stream.take(1), Stream.runDrain)
    const activeIds = Effect.sync(() => Array.from(active.keys()) as ReadonlyArray<string>)

    return Runner.of({ start, cancel, awaitIdle, active: activeIds })
  })
)
