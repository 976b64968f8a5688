/**
 * @module
 * The server's log of what an operator must see without watching
 * `GET /events`: one line for each failed source operation and each policy
 * decision, whoever caused it (an HTTP client, or a local `flwd` sharing the
 * data directory, whose events reach the journal too). Allow decisions are
 * `info`, so the text log (warnings and failures only) leaves them out.
 */
import type { RunEvent } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"
import type { LogFields, Logger, LogLevel } from "./logger.ts"
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
  if (event.type === "policy.decision" && (d.decision === "deny" || d.decision === "warn" || d.decision === "allow")) {
    const about = [
      text(d.profile) && `profile ${text(d.profile)}`,
      text(d.source) && `source ${text(d.source)}`,
      event.run_id !== null && `run ${event.run_id}`
    ]
      .filter((x) => typeof x === "string")
      .join(", ")
    return `flwd: policy.decision: ${d.decision} ${text(d.code) ?? "?"} on ${text(d.subject) ?? "?"}${about !== "" ? ` (${about})` : ""}: ${
      text(d.reason) ?? ""
    }`
  }
  return null
}

/** How much an event matters: failures are errors, refusals and warnings warnings. */
const levelOf = (event: RunEvent): LogLevel => event.type === "source.failed" ? "error" : event.data.decision === "allow" ? "info" : "warn"

/** The structured fields of an event's line. */
const fieldsOf = (event: RunEvent): LogFields => ({
  run_id: event.run_id ?? undefined,
  source: text(event.data.source) ?? (event.type === "source.failed" ? text(event.data.name) : undefined),
  code: text(event.data.code),
  event: event.type
})

/**
 * Logs `logLine` of each engine event from now on through `logger` until
 * `signal` aborts.
 *
 * @since 0.1.0
 * @category constructors
 */
export function logEvents(engine: EngineHandle, logger: Logger, signal: AbortSignal | undefined): void {
  watchEvents(engine, {
    observeEvent: (event) => {
      const line = logLine(event)
      if (line !== null) logger.log(levelOf(event), line, fieldsOf(event))
    }
  }, signal)
}
