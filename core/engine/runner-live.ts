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
import { type EngineError, isProblem, RunError, type StoreError } from "../domain/errors.ts"
import { type NewEvent, type Run, terminalStatuses } from "../domain/run.ts"
import { dispatchOf } from "./_run-dispatch.ts"
import { bind } from "./_run-env.ts"
import { type Gate, makeGate } from "./_run-gate.ts"
import { makeRunId } from "./_run-id.ts"
import { makeQueueWork, type QueueWork } from "./_run-queue.ts"
import { invalidSteps, runSteps } from "./_run-steps.ts"
import { supervise } from "./_run-supervise.ts"
import { EngineConfig } from "./config.ts"
import { EventBus } from "./event-bus.ts"
import { Planner } from "./planner.ts"
import { type ResolvedPlan, Runner, type StartOnce } from "./runner.ts"
import { type IdempotencyRecord, Store } from "./store.ts"

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
/** How long a cancel asked of another engine waits for the run to end there before answering. */
const CANCEL_WAIT = Duration.seconds(30)
const STOP_REASON = "engine stopped"

const iso = (ms: number) => new Date(ms).toISOString()
const now = Effect.map(Clock.currentTimeMillis, iso)
const joinPath = (...parts: ReadonlyArray<string>) => parts.map((p, i) => (i === 0 ? p.replace(/\/+$/, "") : p)).join("/")

function fromCause(cause: Cause.Cause<unknown>): Outcome {
  if (Cause.isInterruptedOnly(cause)) return { _tag: "canceled", reason: STOP_REASON }
  // What the run died of is unknown: read it through the guard and the classifier, never a cast.
  const error = Cause.squash(cause)
  // A problem keeps its code: a store failure, or a run planned again on
  // this engine whose job is gone (`job.not.found`).
  if (isProblem(error)) return { _tag: "failed", code: error.code, detail: error.detail, exit_code: null }
  return { _tag: "failed", code: "internal", detail: messageOf(error), exit_code: null }
}

/** `start` passes no key, so no key can be taken: reaching this is a defect of the store. */
function dieTaken(taken: IdempotencyRecord): never {
  throw new Error(`the store reported idempotency key ${taken.key} taken for a run started without one`)
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
export const layer: Layer.Layer<Runner, never, Store | EventBus | EngineConfig | Planner> = Layer.scoped(
  Runner,
  Effect.gen(function* () {
    const store = yield* Store
    const bus = yield* EventBus
    const config = yield* EngineConfig
    const planner = yield* Planner
    const scope = yield* Effect.scope
    // Runs go through the store's shared queue only on an engine that
    // claims from it (a server); any other executes what it accepts.
    const queue = config.claimsQueuedRuns === true ? store.queue : undefined
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

    // Set once the queue work runs (below): finishing runs wake it.
    let wakeClaims: Effect.Effect<void> = Effect.void

    const finish = (entry: Entry, outcome: Outcome) =>
      Effect.gen(function* () {
        const at = yield* now
        // On a shared queue another engine may have settled the run already
        // (this one was cut off from the store past its lease: the run is
        // `engine.node.lost`); its outcome stands, and no second terminal
        // event follows it.
        if (queue !== undefined) {
          const current = yield* Effect.orElseSucceed(store.getRun(entry.id), () => null)
          if (current !== null && terminalStatuses.includes(current.status)) return
        }
        // Terminal event first, then the record (see the module comment).
        yield* Effect.ignore(bus.publish([terminal(entry.id, at, outcome)]))
        yield* Effect.ignore(store.updateRun(entry.id, patch(outcome, at)))
      }).pipe(
        Effect.ensuring(Effect.suspend(() => {
          active.delete(entry.id)
          // A freed slot may take the next run from the shared queue.
          return SubscriptionRef.update(count, (n) => n - 1).pipe(
            Effect.zipRight(Deferred.succeed(entry.done, undefined)),
            Effect.zipRight(Effect.suspend(() => wakeClaims))
          )
        }))
      )

    // `resolve` is the plan in hand, or a claimed run planned again here.
    const lifecycle = (entry: Entry, run: Run, resolve: Effect.Effect<ResolvedPlan, EngineError>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const gated = Effect.flatMap(resolve, (resolved) => {
            const queued = execute(run, resolved)
            // A claimed run is within the limits already: the queue counts
            // this engine's runs and each job's across every engine.
            if (queue !== undefined) return queued
            const gate = jobGate(resolved)
            return gate === null ? global.withPermit(queued) : gate.withPermit(global.withPermit(queued))
          })
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

    const track = (id: string) =>
      Effect.gen(function* () {
        const entry: Entry = { id, cancel: yield* Deferred.make<string>(), done: yield* Deferred.make<void>() }
        active.set(id, entry)
        yield* SubscriptionRef.update(count, (n) => n + 1)
        return entry
      })

    // Runs accepted here and waiting in the shared queue, with their plans:
    // claimed back here, they need no second planning.
    const acceptedHere = new Map<string, ResolvedPlan>()

    const launch = (run: Run, resolve: Effect.Effect<ResolvedPlan, EngineError>) =>
      Effect.gen(function* () {
        const entry = yield* track(run.id)
        // The caller is uninterruptible; the run itself must stay cancelable.
        yield* Effect.forkIn(Effect.interruptible(lifecycle(entry, run, resolve)), scope)
      })

    // On a store with a queue every engine answers cancel requests for its
    // runs; only one that claims (limit > 0) takes runs and settles lost ones.
    const shared = store.queue
    const work: QueueWork | null = shared === undefined ? null : yield* makeQueueWork({
      queue: shared,
      signals: store.signals,
      limit: queue === undefined ? 0 : config.maxConcurrentRuns,
      running: () => active.size,
      active: () => Array.from(active.keys()),
      now,
      onClaim: (claimed) =>
        Effect.suspend(() => {
          const here = acceptedHere.get(claimed.run.id)
          acceptedHere.delete(claimed.run.id)
          const resolve: Effect.Effect<ResolvedPlan, EngineError> = here !== undefined
            ? Effect.succeed(here)
            : claimed.request !== null
            ? planner.plan(claimed.request)
            : Effect.fail(new RunError({ code: "engine.node.lost", detail: "The run was bound to the engine that accepted it, which is gone" }))
          return launch(claimed.run, resolve)
        }),
      onCancel: (id) => {
        const entry = active.get(id)
        return entry === undefined ? Effect.void : Effect.asVoid(Deferred.succeed(entry.cancel, CANCEL_REASON))
      }
    })
    const claims = queue === undefined ? null : work
    if (claims !== null) wakeClaims = claims.wake

    const begin = (resolved: ResolvedPlan, idempotency?: { readonly key: string; readonly requestHash: string }) =>
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
        // Known before the run is in the queue: this engine's claim loop may
        // take it back before `insertRun` has even returned.
        if (claims !== null) acceptedHere.set(run.id, resolved)
        // `run.queued` is journaled with the insert: on a shared queue another
        // engine may claim the run as soon as it commits, and its
        // `run.started` must come after.
        const queuedEvents: ReadonlyArray<NewEvent> = [
          { run_id: run.id, type: "run.queued", at: run.created_at, data: { job_id: run.job_id } },
          ...(resolved.decisions ?? []).map((d): NewEvent => ({ run_id: run.id, type: "policy.decision", at: run.created_at, data: { ...d } }))
        ]
        const taken = yield* store.insertRun(run, {
          ...(idempotency !== undefined
            ? { idempotency: { key: idempotency.key, request_hash: idempotency.requestHash, run_id: run.id, created_at: run.created_at } }
            : {}),
          ...(queue !== undefined ? { dispatch: dispatchOf(resolved, { bound: false }) } : {}),
          events: queuedEvents
        }).pipe(Effect.tapError(() => Effect.sync(() => acceptedHere.delete(run.id))))
        if (taken !== null) {
          acceptedHere.delete(run.id)
          return { _tag: "Taken", taken } as const
        }
        yield* bus.catchUp
        if (claims === null) yield* launch(run, Effect.succeed(resolved))
        else yield* claims.wake
        return { _tag: "Started", run } as const
      }))

    const start = (resolved: ResolvedPlan) => Effect.map(begin(resolved), (started) => (started._tag === "Started" ? started.run : dieTaken(started.taken)))

    const startOnce = (resolved: ResolvedPlan, key: string, requestHash: string): Effect.Effect<StartOnce, StoreError> => begin(resolved, { key, requestHash })

    const cancelHere = (id: string, entry: Entry) =>
      Effect.gen(function* () {
        yield* Deferred.succeed(entry.cancel, CANCEL_REASON)
        yield* Deferred.await(entry.done)
        const run = yield* store.getRun(id)
        if (run === null) return yield* new RunError({ code: "run.not.found", detail: `no run ${id}` })
        if (run.status !== "canceled") return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is already ${run.status}` })
        return run
      })

    // A run another engine holds: ask it through the store, then wait
    // (bounded) for the run to end there.
    const cancelElsewhere = (id: string) =>
      Effect.gen(function* () {
        const shared = store.queue
        if (shared === undefined) return null
        const after = yield* store.latestEventId()
        const asked = yield* shared.requestCancel(id, yield* now, CANCEL_REASON)
        switch (asked._tag) {
          case "NotFound":
            return yield* new RunError({ code: "run.not.found", detail: `no run ${id}` })
          case "Over":
            return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is already ${asked.run.status}` })
          case "Canceled":
            acceptedHere.delete(id)
            return asked.run
          case "Requested": {
            yield* bus.follow({ run_id: id, after }).pipe(Stream.runDrain, Effect.timeoutOption(CANCEL_WAIT))
            // The terminal event comes before the record changes: wait (briefly) for the record too.
            let run = yield* store.getRun(id)
            for (let i = 0; i < 100 && run !== null && !terminalStatuses.includes(run.status); i++) {
              yield* Effect.sleep(Duration.millis(50))
              run = yield* store.getRun(id)
            }
            if (run === null) return yield* new RunError({ code: "run.not.found", detail: `no run ${id}` })
            if (terminalStatuses.includes(run.status) && run.status !== "canceled") {
              return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is already ${run.status}` })
            }
            return run
          }
        }
      })

    const cancel = (id: string) =>
      Effect.gen(function* () {
        const entry = active.get(id)
        if (entry !== undefined) return yield* cancelHere(id, entry)
        const elsewhere = yield* cancelElsewhere(id)
        if (elsewhere !== null) return elsewhere
        const run = yield* store.getRun(id)
        if (run === null) return yield* new RunError({ code: "run.not.found", detail: `no run ${id}` })
        if (!terminalStatuses.includes(run.status)) {
          return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is not active in this engine` })
        }
        return yield* new RunError({ code: "run.not.cancelable", detail: `run ${id} is already ${run.status}` })
      })

    const awaitIdle = count.changes.pipe(Stream.filter((n) => n === 0), Stream.take(1), Stream.runDrain)
    const activeIds = Effect.sync(() => Array.from(active.keys()) as ReadonlyArray<string>)

    return Runner.of({ start, startOnce, cancel, awaitIdle, active: activeIds })
  })
)
