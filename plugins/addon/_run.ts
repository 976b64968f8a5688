/**
 * @module
 * The boundary between the add-on tools' Effects and their Promise API:
 * runs an Effect and rejects with the error itself (not a fiber failure),
 * OCI library errors turned into the engine's `E_OCI` problem.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { isOciError, toProblem } from "../oci/mod.ts"
import { flwdPackageVersion } from "../package-version/mod.ts"

/** Runs `effect`; a failure rejects with the (first) error, OCI errors as `E_OCI`. */
export async function runAddonEffect<A, E>(effect: Effect.Effect<A, E>, ref?: string): Promise<A> {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.squash(exit.cause)
  throw isOciError(error) ? toProblem(error, ref) : error
}

/** Turns an OCI library error into `E_OCI`; anything else passes through. */
export function asProblem(e: unknown, ref?: string): unknown {
  return isOciError(e) ? toProblem(e, ref) : e
}

/** This package's version, checked against an add-on's `requires.flwd`. */
export function flwdVersion(): string {
  return flwdPackageVersion()
}
