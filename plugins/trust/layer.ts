/**
 * @module
 * The verifier as a service, for programs that compose layers: built once
 * from the policy, its connections closed when the scope ends.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { VerifyError } from "./errors.ts"
import { type ImageVerifier, makeVerifier, type VerifierOptions } from "./verifier.ts"

/**
 * The image verifier service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Verifier extends Context.Tag("flwd/trust/Verifier")<Verifier, ImageVerifier>() {}

/**
 * A layer providing the verifier; fails with reason `policy` on bad trust material.
 *
 * @since 0.1.0
 * @category layers
 */
export function layer(options: VerifierOptions): Layer.Layer<Verifier, VerifyError> {
  return Layer.scoped(Verifier, Effect.acquireRelease(makeVerifier(options), (v) => v.close))
}
