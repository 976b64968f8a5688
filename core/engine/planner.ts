/**
 * @module
 * The Planner: job + args + requested profile → a plan. Pure: it reads the
 * catalogue and the policy, validates, and decides; nothing runs.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type EngineError, ExecutorError } from "../domain/errors.ts"
import type { Plan, PlanRequest } from "../domain/plan.ts"
import type { Decision } from "../domain/policy.ts"
import type { ProfilePlugin } from "../plugin.ts"
import { compileArgSpec } from "./args.ts"
import { EngineConfig } from "./config.ts"
import { JobCatalog } from "./job-catalog.ts"
import { Plugins } from "./plugins.ts"
import { redactArgs } from "./public-view.ts"
import { PolicyEngine } from "./policy-engine.ts"
import type { ResolvedPlan } from "./runner.ts"
import { traced } from "./_span.ts"
import { SourceRegistry } from "./source-registry.ts"

/**
 * @since 0.1.0
 * @category tags
 */
export class Planner extends Context.Tag("flwd/engine/Planner")<Planner, {
  readonly plan: (request: PlanRequest) => Effect.Effect<ResolvedPlan, EngineError>
}>() {}

/**
 * The profile decision a run of the plan carries: a weakening by override
 * (`warn`) or a stricter profile asked for or declared (`allow`); none for
 * the default profile.
 */
function profileDecisions(chosen: ProfilePlugin, base: ProfilePlugin, request: PlanRequest, subject: string): ReadonlyArray<Decision> {
  if (chosen.name === base.name) return []
  if (chosen.strictness < base.strictness) {
    return [{
      decision: "warn",
      subject,
      code: "policy.override",
      reason: `profile weakened from ${base.name} to ${chosen.name} by request`,
      profile: chosen.name
    }]
  }
  const why = request.profile === chosen.name ? "requested" : "declared by the job"
  return [{
    decision: "allow",
    subject,
    code: "policy.profile.selected",
    reason: `profile ${chosen.name}, stricter than ${base.name}, ${why}`,
    profile: chosen.name
  }]
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Planner, never, JobCatalog | SourceRegistry | PolicyEngine | Plugins | EngineConfig> = Layer.effect(
  Planner,
  Effect.gen(function* () {
    const catalog = yield* JobCatalog
    const registry = yield* SourceRegistry
    const policy = yield* PolicyEngine
    const plugins = yield* Plugins
    const config = yield* EngineConfig

    const plan = (request: PlanRequest) =>
      Effect.gen(function* () {
        let job = yield* catalog.get(request.job, request.source)
        const findEntry = (name: string) => Effect.map(registry.entries, (entries) => entries.find((e) => e.record.name === name))
        // Pull policies (on-run, always) may swap the source's tree;
        // the plan shows the provenance of what will actually run.
        if (yield* registry.beforeUse(job.source)) job = yield* catalog.get(job.id)
        const entry = yield* findEntry(job.source)
        const profile = yield* policy.resolveProfile({
          requested: request.profile,
          declared: job.security_profile,
          allowOverride: request.allowOverride,
          subject: job.id
        })
        // The defined argspec binds secret defaults; the plan shows the job's public one.
        const compiled = compileArgSpec(catalog.argSpec(job))
        const values = yield* compiled.decode(request.args ?? {})
        const kind = job.executor ?? plugins.defaultExecutor
        if (kind === undefined) {
          return yield* new ExecutorError({ code: "executor.unknown", detail: `Job ${job.id} names no executor and this engine has no default one` })
        }
        const executor = yield* plugins.executor(kind)
        if (executor === undefined) {
          return yield* new ExecutorError({ code: "executor.unknown", detail: `Job ${job.id} needs executor "${kind}", which is not loaded` })
        }
        const settings = profile.runtime(config.policy)
        const preview = yield* executor.preview(job, settings)
        if (!preview.available) {
          return yield* new ExecutorError({
            code: "container.runtime.unavailable",
            detail: `Executor ${kind} is unavailable: ${String(preview.details.reason ?? "not supported on this host")}`
          })
        }
        const warnings: Array<string> = [...job.warnings]
        let timeout = job.timeout_ms ?? config.defaultTimeoutMs
        // The executor's policy section may cap how long its runs take.
        const ceiling = executor.timeoutCeilingMs?.(config.policy)
        if (ceiling !== undefined && timeout > ceiling) {
          warnings.push(`timeout lowered from ${timeout} ms to the policy ceiling of ${ceiling} ms`)
          timeout = ceiling
        }
        const result: Plan = {
          job_id: job.id,
          source: job.source,
          job: { name: job.name, ...(job.summary !== undefined ? { summary: job.summary } : {}) },
          args: redactArgs(values, compiled.secretNames),
          argspec: job.argspec,
          profile: profile.name,
          executor: preview,
          steps: job.steps,
          timeout_ms: timeout,
          provenance: { source: job.source, ...(entry?.record.provenance ?? {}) },
          warnings
        }
        const decisions = profileDecisions(profile, policy.defaultProfile, request, job.id)
        return { plan: result, job, values, secretNames: compiled.secretNames, settings, executor, decisions, request } satisfies ResolvedPlan
      }).pipe(traced("plan", () => ({ "flwd.job": request.job })))

    return { plan }
  })
)
