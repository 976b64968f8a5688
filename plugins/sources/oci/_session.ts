/**
 * @module
 * One pull session: the shared registry client scoped to one load — its
 * redirect rule and deadline on every request — with the deadline and the
 * redirect decisions applied around the whole load. Scoping per call keeps
 * the rule and the clock out of the client, which is cached and shared by
 * every source of a policy.
 */
import * as Effect from "effect/Effect"
import type { SourceContext, SourceError } from "../../../core/mod.ts"
import { type RegistryClient, watchRequests } from "../../oci/mod.ts"
import { pullTimeoutMs, withPullDeadline } from "./pull-deadline.ts"
import { makeRedirectGuard } from "./redirect-guard.ts"

/**
 * Runs `load` with a view of `client` bound to this load's redirect rule
 * and deadline.
 *
 * @since 0.1.0
 * @category constructors
 */
export function pullSession<A>(
  ctx: SourceContext,
  ref: string,
  client: RegistryClient,
  load: (client: RegistryClient) => Effect.Effect<A, SourceError>
): Effect.Effect<A, SourceError> {
  return Effect.suspend(() => {
    const ms = pullTimeoutMs(ctx.policy)
    const watch = watchRequests()
    const guard = makeRedirectGuard(ctx)
    const scoped = client.scoped({ redirect: guard.rule, deadline: Date.now() + ms, watch })
    return guard.settle(withPullDeadline(ref, ms, watch, load(scoped)))
  })
}
