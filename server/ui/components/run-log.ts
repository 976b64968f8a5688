/**
 * @module
 * A run's log as the run page shows it: output lines, step markers, policy
 * decisions and the terminal event, one `<span>` line each inside
 * `<pre class="log">`. The stream is written out (`out`/`err`), so stdout
 * and stderr differ by more than colour. `assets/live-log.js` builds the
 * same lines for events that arrive live; change them together.
 */
import type { RunEvent } from "../../../core/mod.ts"
import { html, type Html } from "../html.ts"

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v))

/**
 * The words of a non-output event ("step build finished: succeeded, exit
 * code 0"); undefined for events the log does not show (`run.queued`).
 *
 * @since 0.1.0
 * @category components
 */
export function markerText(event: RunEvent): string | undefined {
  const d = event.data
  switch (event.type) {
    case "run.started":
      return "run started"
    case "step.started":
      return `step ${text(d.step)} started`
    case "step.finished":
      return `step ${text(d.step)} ${text(d.status)}${typeof d.exit_code === "number" ? `, exit code ${d.exit_code}` : ""}${
        d.signal !== undefined ? `, ${text(d.signal)}` : ""
      }`
    case "policy.decision":
      return `policy ${text(d.decision)} ${text(d.subject)}: ${text(d.code)} — ${text(d.reason)}`
    case "run.finished":
      return `run finished, exit code ${text(d.exit_code)}`
    case "run.failed":
      return `run failed: ${text(d.code ?? d.error)}${d.detail !== undefined ? ` — ${text(d.detail)}` : ""}`
    case "run.canceled":
      return `run canceled${d.reason !== undefined ? `: ${text(d.reason)}` : ""}`
    default:
      return undefined
  }
}

/**
 * One line of the log (with its newline), or nothing for events the log
 * leaves out.
 *
 * @since 0.1.0
 * @category components
 */
export function logLine(event: RunEvent): Html | "" {
  if (event.type === "log") {
    const stream = event.data.stream === "stderr" ? "stderr" : "stdout"
    return html`<span class="log-line log-${stream}" data-id="${event.id}"><span class="log-stream">${stream === "stderr" ? "err" : "out"} </span>${text(event.data.line)}</span>
`
  }
  const words = markerText(event)
  if (words === undefined) return ""
  return html`<span class="log-line log-mark" data-id="${event.id}">── ${words}</span>
`
}
