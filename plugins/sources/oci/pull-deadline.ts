/**
 * @module
 * One deadline per pull of an add-on (issue 12, item 5): the policy's
 * `pull_timeout` (default 120 s) bounds everything a load asks of the
 * registry — resolution, signatures, blobs, retries — and unpacking.
 * Past it the work is interrupted (undici requests aborted, temporary
 * blobs and unpack directories removed) and the load fails with `E_OCI`
 * naming the requests still waiting and for how long.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { parseDuration, type Policy, SourceError } from "../../../core/mod.ts"
import { ociPolicyOf } from "./policy-section.ts"
import { ociProblem, type RequestWatch } from "../../oci/mod.ts"

/** The default `pull_timeout`. @since 0.1.0 @category constants */
export const defaultPullTimeoutMs = 120_000

/**
 * The pull deadline in force under `policy`, in ms.
 *
 * @since 0.1.0
 * @category utils
 */
export function pullTimeoutMs(policy: Policy): number {
  const { pull_timeout } = ociPolicyOf(policy)
  const ms = pull_timeout !== undefined ? parseDuration(pull_timeout) : undefined
  return ms !== undefined && ms > 0 ? ms : defaultPullTimeoutMs
}

/**
 * Fails `effect` with `E_OCI` when it runs longer than `ms`. What was in
 * flight is read when the deadline fires, before interrupting `effect`
 * aborts (and so ends) those requests.
 *
 * @since 0.1.0
 * @category constructors
 */
export function withPullDeadline<A>(ref: string, ms: number, watch: RequestWatch, effect: Effect.Effect<A, SourceError>): Effect.Effect<A, SourceError> {
  const expired = Effect.flatMap(Effect.sleep(Duration.millis(ms)), () =>
    Effect.fail(
      ociProblem(
        "E_OCI",
        `${ref}: the pull did not finish within ${Duration.format(Duration.millis(ms))} (pull_timeout); ${watch.describe() ?? "no request was sent"} (timeout)`,
        { errors: [{ path: "ref", message: "the registry did not answer in time" }] }
      )
    ))
  return Effect.raceFirst(effect, expired)
}
