/**
 * @module
 * Maps verification errors onto the engine's problems: every verification
 * outcome is `image.signature.required` (422), a bad trust section is
 * `policy.invalid` (422) with the failing fields.
 */
import { SourceError } from "../../core/mod.ts"
import { ociProblem } from "../oci/mod.ts"
import { describeReason, type VerifyError } from "./errors.ts"

/**
 * Turns a `VerifyError` into the problem the source reports, keeping the
 * error as `cause`.
 *
 * @since 0.1.0
 * @category errors
 */
export function toProblem(e: VerifyError): SourceError {
  if (e.reason === "policy") return new SourceError({ code: "policy.invalid", detail: e.summary, errors: e.errors, cause: e })
  return ociProblem("image.signature.required", `${e.ref ?? "image"}: ${e.summary}`, {
    errors: [{ path: "ref", message: describeReason(e.reason) }],
    cause: e
  })
}
