/**
 * @module
 * The Runner service: queues resolved plans, executes their steps through an
 * executor plugin and journals every event.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { RunError, StoreError } from "../domain/errors.ts"
import type { Job } from "../domain/job.ts"
import type { Plan, PlanRequest } from "../domain/plan.ts"
import type { Decision, RuntimeSettings } from "../domain/policy.ts"
import type { Run } from "../domain/run.ts"
import type { ExecutorImpl } from "../plugin.ts"
import type { IdempotencyRecord } from "./store.ts"

/**
 * A plan with what it must not show: the argument values including secrets.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedPlan {
  readonly plan: Plan
  readonly job: Job
  /** Decoded argument values, defaults applied, secrets in clear. */
  readonly values: Readonly<Record<string, unknown>>
  /** Names of the arguments whose format is `secret`. */
  readonly secretNames: ReadonlyArray<string>
  readonly settings: RuntimeSettings
  readonly executor: ExecutorImpl
  /**
   * Policy decisions of planning that concern the run (the profile it runs
   * under). Planning journaled them without a run id, which did not exist
   * yet; the Runner journals them again with the id right after
   * `run.queued`, so the run's own stream shows them before it starts.
   */
  readonly decisions?: ReadonlyArray<Decision>
  /**
   * What was asked, so that another engine sharing a queue can plan the
   * run again (core/engine/_run-dispatch.ts). Absent: the run is bound to
   * this engine.
   */
  readonly request?: PlanRequest
}

/**
 * What `startOnce` did: started `run`, or found `key` taken by `taken`.
 *
 * @since 0.3.0
 * @category models
 */
export type StartOnce = { readonly _tag: "Started"; readonly run: Run } | { readonly _tag: "Taken"; readonly taken: IdempotencyRecord }

/**
 * @since 0.1.0
 * @category tags
 */
export class Runner extends Context.Tag("flwd/engine/Runner")<Runner, {
  /** Records the run as `queued`, journals `run.queued` and returns at once; the run proceeds in the background. */
  readonly start: (resolved: ResolvedPlan) => Effect.Effect<Run, StoreError>
  /**
   * Starts the run unless the idempotency `key` is taken, atomically with
   * recording the run: of concurrent requests with one key, on any engine
   * sharing the store, one starts a run.
   */
  readonly startOnce: (resolved: ResolvedPlan, key: string, requestHash: string) => Effect.Effect<StartOnce, StoreError>
  /** Cancels a queued or running run; `run.not.cancelable` once it is over. */
  readonly cancel: (id: string) => Effect.Effect<Run, RunError | StoreError>
  /** Waits until no run is queued or running. */
  readonly awaitIdle: Effect.Effect<void>
  /** Ids of runs queued or running in this engine. */
  readonly active: Effect.Effect<ReadonlyArray<string>>
}>() {}
