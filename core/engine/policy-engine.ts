/**
 * @module
 * Profile selection and the journal of policy decisions. A request may
 * always ask for a stricter profile; a weaker one needs the caller's
 * override right (`policy:override` over HTTP). Every decision becomes a
 * `policy.decision` event.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PolicyError } from "../domain/errors.ts"
import type { Decision } from "../domain/policy.ts"
import type { ProfilePlugin } from "../plugin.ts"
import { EngineConfig } from "./config.ts"
import { EventBus } from "./event-bus.ts"
import { Plugins } from "./plugins.ts"

/** @since 0.1.0 @category models */
export interface ProfileRequest {
  /** The profile the caller asks for, if any. */
  readonly requested?: string
  /** A profile the job itself declares: a floor, never a weakening. */
  readonly declared?: string
  readonly allowOverride?: boolean
  readonly runId?: string
  readonly subject: string
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PolicyEngine extends Context.Tag("flwd/engine/PolicyEngine")<PolicyEngine, {
  /** The engine's default profile. */
  readonly defaultProfile: ProfilePlugin
  readonly resolveProfile: (request: ProfileRequest) => Effect.Effect<ProfilePlugin, PolicyError>
  /** Journals a decision, with the source it was made for when there is one. */
  readonly record: (decision: Decision & { readonly source?: string }, runId?: string) => Effect.Effect<void>
}>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<PolicyEngine, PolicyError, EngineConfig | Plugins | EventBus> = Layer.effect(
  PolicyEngine,
  Effect.gen(function* () {
    const config = yield* EngineConfig
    const plugins = yield* Plugins
    const bus = yield* EventBus

    const lookup = (name: string) =>
      Effect.fromNullable(plugins.profile(name)).pipe(
        Effect.mapError(() =>
          new PolicyError({
            code: "profile.unknown",
            detail: `Unknown profile "${name}" (available: ${plugins.profiles.map((p) => p.name).join(", ")})`,
            errors: [{ path: "profile", message: `must be one of ${plugins.profiles.map((p) => p.name).join(", ")}` }]
          })
        )
      )

    const defaultProfile = yield* lookup(config.profile)

    // Decisions a plugin makes without naming its profile are made under the default one.
    const record = (decision: Decision & { readonly source?: string }, runId?: string) =>
      bus.publish([{
        run_id: runId ?? null,
        type: "policy.decision",
        at: new Date().toISOString(),
        data: { ...decision, profile: decision.profile ?? defaultProfile.name }
      }]).pipe(Effect.asVoid, Effect.orDie)

    const resolveProfile = (request: ProfileRequest) =>
      Effect.gen(function* () {
        let chosen = defaultProfile
        if (request.requested !== undefined && request.requested !== defaultProfile.name) {
          const wanted = yield* lookup(request.requested)
          if (wanted.strictness < defaultProfile.strictness) {
            if (request.allowOverride !== true) {
              yield* record({
                decision: "deny",
                subject: request.subject,
                code: "policy.override.denied",
                reason: `profile ${wanted.name} is weaker than ${defaultProfile.name}`,
                profile: defaultProfile.name
              }, request.runId)
              return yield* new PolicyError({
                code: "policy.override.denied",
                detail: `Profile "${wanted.name}" is weaker than the default "${defaultProfile.name}" and needs the policy:override scope`,
                errors: [{ path: "profile", message: "weaker than the default profile" }]
              })
            }
            yield* record({
              decision: "warn",
              subject: request.subject,
              code: "policy.override",
              reason: `profile weakened from ${defaultProfile.name} to ${wanted.name} by request`,
              profile: wanted.name
            }, request.runId)
          }
          chosen = wanted
        }
        if (request.declared !== undefined && request.declared !== chosen.name) {
          const floor = yield* lookup(request.declared)
          // A job may tighten its profile, never loosen it.
          if (floor.strictness > chosen.strictness) chosen = floor
        }
        return chosen
      })

    return { defaultProfile, resolveProfile, record }
  })
)
