/**
 * @module
 * Checks of core's part of a decoded policy that its Schema does not
 * express: the default profile is named. Plugins check their own sections
 * (their Schema's filters, their `check` hook). Each problem names its
 * field, so an operator knows what to fix.
 */
import type { FieldError, Policy } from "../../core/mod.ts"

/**
 * The fields of core's part of `policy` that are wrong, with what is
 * wrong; empty when none is.
 *
 * @since 0.1.0
 * @category utils
 */
export function policyProblems(policy: Policy): ReadonlyArray<FieldError> {
  const out: Array<FieldError> = []
  if (policy.profile !== undefined && policy.profile.trim() === "") out.push({ path: "profile", message: "must name a profile, e.g. secure" })
  return out
}
