/**
 * @module
 * The error an executor reports when it cannot set a step up (its run
 * directory, secrets, rootfs), before anything of the job has run.
 */
import { ExecutorError } from "../../core/mod.ts"

/**
 * `executor.failed` with "cannot prepare <what>: <reason>".
 *
 * @since 0.1.0
 * @category errors
 */
export function prepareError(what: string, cause: unknown): ExecutorError {
  return new ExecutorError({
    code: "executor.failed",
    detail: `cannot prepare ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })
}
