/**
 * @module
 * Maps the OCI library's errors onto the engine's problem code `E_OCI`
 * (DESIGN §5 step 9): the detail names the reference, the HTTP status and the
 * registry's own error code, and never carries a stack trace.
 */
import type { SourceError } from "../../core/mod.ts"
import { ociProblem } from "./problems/mod.ts"
import { codeOf, isOciError, messageOf, type OciError, RegistryError, UnpackError } from "./errors.ts"

/** Keeps a registry's free-text message to one short line. */
function oneLine(s: string, max = 300): string {
  const line = s.replace(/\s+/g, " ").trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/**
 * The detail line of an OCI failure, without any stack trace.
 *
 * @since 0.1.0
 * @category errors
 */
export function describeOciError(e: OciError, ref?: string): string {
  // The type says OciError, but values reach here from Promise edges that
  // cast what they caught: a foreign error is told by its own message.
  if (!isOciError(e)) return `${ref ?? "image"}: ${oneLine(messageOf(e))}${codeOf(e) !== undefined ? ` (${codeOf(e)})` : ""}`
  if (e instanceof RegistryError) {
    const context: Array<string> = []
    if (e.status !== undefined) context.push(`HTTP ${e.status}`)
    if (e.code !== undefined) context.push(e.code)
    context.push(e.reason)
    return `${ref ?? e.ref ?? "registry"}: ${oneLine(e.detail)} (${context.join(", ")})`
  }
  if (e instanceof UnpackError) {
    const where = [e.layer !== undefined ? `layer ${e.layer}` : undefined, e.entry !== undefined ? `entry ${JSON.stringify(oneLine(e.entry, 200))}` : undefined]
      .filter((x) => x !== undefined)
    return `${ref ?? "image"}: cannot unpack: ${oneLine(e.detail)} (${[...where, e.reason].join(", ")})`
  }
  return `${ref ?? "image"}: blob cache: ${oneLine(e.detail)} (${[e.digest, e.reason].filter((x) => x !== undefined).join(", ")})`
}

/**
 * Turns an OCI error into the engine's `E_OCI` problem, keeping the error as `cause`.
 *
 * @since 0.1.0
 * @category errors
 */
export function toProblem(e: OciError, ref?: string): SourceError {
  return ociProblem("E_OCI", describeOciError(e, ref), { cause: e })
}
