/**
 * @module
 * The server's log of what an operator must see without watching
 * `GET /events`: one line for each failed source operation and each policy
 * decision that denied or warned, whoever caused it (an HTTP client, or a
 * local `flwd` sharing the data directory, whose events reach the journal
 * too). Allow decisions stay in the journal only: they are the normal case.
 */
import type { RunEvent } from "../core/mod.ts"
import type { EngineHandle } from "../create-engine.ts"
import { watchEvents } from "./metrics.ts"

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined)

/**
 * The log line of an event, or null when the event is not logged.
 *
 * @since 0.1.0
 * @category utils
 * @example
 * ```ts
 * logLine({ id: 7, run_id: null, type: "source.failed", at: "…", data: { name: "addon", type: "oci", operation: "add", code: "E_OCI", detail: "…" } })
 * // "flwd: source.failed: addon (oci) add: E_OCI: …"
 * ```
 */
export function logLine(event: RunEvent): string | null {
  const d = event.data
  if (event.type === "source.failed") {
    const type = text(d.type) !== undefined ? ` (${text(d.type)})` : ""
    return `flwd: source.failed: ${text(d.name) ?? "?"}${type} ${text(d.operation) ?? "?"}: ${text(d.code) ?? "?"}: ${text(d.detail) ?? ""}`
  }
  if (event.type === "policy.decision" && (d.decision === "deny" || d.decision === "warn")) {
    const about = [text(d.profile) && `profile ${text(d.profile)}`, text(d.source) && `source ${text(d.source)}`, event.run_id !== null && `run ${event.run_id}`]
      .filter((x) => typeof x === "string")
      .join(", ")
    return `flwd: policy.decision: ${d.decision} ${text(d.code) ?? "?"} on ${text(d.subject) ?? "?"}${about !== "" ? ` (${about})` : ""}: ${text(d.reason) ?? ""}`
  }
  return null
}

/**
 * Writes `logLine` of each engine event from now on to `log` until
 * `signal` aborts.
 *
 * @since 0.1.0
 * @category constructors
 */
export function logEvents(engine: EngineHandle, log: (message: string) => void, signal: AbortSignal | undefined): void {
  watchEvents(engine, {
    observeEvent: (event) => {
      const line = logLine(event)
      if (line !== null) log(line)
    }
  }, signal)
}
