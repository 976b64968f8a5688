/**
 * @module
 * Gives the plugin's own problem codes (`E_OCI`, `E_ADDON_MANIFEST`,
 * `image.*`) their entry on the error itself, at the plugin's edges: the
 * OCI and trust libraries build errors by code alone, and an error's status
 * and title must be right wherever it travels (a plan, the CLI, a log),
 * not only where the engine's assembled table is at hand.
 */
import { SourceError } from "../../../core/mod.ts"
import { isOciProblemCode, ociProblems } from "../../oci/problems/mod.ts"

/** `e` with its entry from the plugin's table, when its code is the plugin's. */
export function withOciProblem(e: SourceError): SourceError {
  const code = e.code
  if (e.problem !== undefined || !isOciProblemCode(code)) return e
  return new SourceError({
    code,
    detail: e.detail,
    problem: ociProblems[code],
    ...(e.errors !== undefined ? { errors: e.errors } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {})
  })
}
