/**
 * @module
 * How journal events read in the console: the type filters of the events
 * page (a group such as `source.*`, or one type exactly) and a one-line
 * summary per event. `assets/live-events.js` mirrors
 * both for the rows it adds live; change them together.
 */
import { EventType, type RunEvent } from "../../core/mod.ts"
import { statusBadge } from "./components/status-badge.ts"
import { timeAgo } from "./components/time.ts"
import { html, type Html } from "./html.ts"

/** A filter of the events page: its `?type=` value, its label, and which event types it keeps. */
export interface EventFilter {
  readonly value: string
  readonly label: string
  readonly keep: (type: string) => boolean
}

/**
 * The groups of the events page's select, in order. "All" leaves out `log`
 * lines, which belong to their run's page.
 */
export const eventGroups: ReadonlyArray<EventFilter> = [
  { value: "", label: "All (without log lines)", keep: (t) => t !== "log" },
  { value: "policy.decision", label: "Policy decisions", keep: (t) => t === "policy.decision" },
  { value: "source.*", label: "Source changes (source.*)", keep: (t) => t.startsWith("source.") },
  { value: "run.*", label: "Runs (run.*)", keep: (t) => t.startsWith("run.") },
  { value: "failures", label: "Failures (run.failed, source.failed)", keep: (t) => t === "run.failed" || t === "source.failed" }
]

/** Single event types the select offers after the groups. */
export const singleTypes: ReadonlyArray<string> = EventType.literals.filter((t) => t !== "policy.decision")

/**
 * The filter a `?type=` names: a group, or one event type exactly
 * (`source.added`); anything else is "All".
 *
 * @since 0.1.0
 * @category pages
 */
export function eventFilter(value: string | undefined): EventFilter {
  const group = eventGroups.find((f) => f.value === (value ?? ""))
  if (group !== undefined) return group
  if (value !== undefined && singleTypes.includes(value)) return { value, label: value, keep: (t) => t === value }
  return eventGroups[0]
}

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v))

/**
 * One line about the event: the decision and its reason, the source and
 * what failed, the run's job or error.
 *
 * @since 0.1.0
 * @category pages
 */
export function eventSummary(event: RunEvent): string {
  const d = event.data
  switch (event.type) {
    case "policy.decision":
      return `${text(d.decision)} ${text(d.subject)}: ${text(d.code)} — ${text(d.reason)}`
    case "source.failed":
      return `${text(d.name)} (${text(d.operation)}): ${text(d.code)} — ${text(d.detail)}`
    case "run.failed":
      return d.code !== undefined ? `${text(d.code)} — ${text(d.detail)}` : text(d.error ?? d.job_id)
    case "run.canceled":
      return text(d.reason)
    default:
      if (event.type.startsWith("source.")) return [text(d.name), text(d.type)].filter((s) => s !== "").join(" ")
      if (d.job_id !== undefined) return text(d.job_id)
      if (d.exit_code !== undefined && d.exit_code !== null) return `exit code ${text(d.exit_code)}`
      if (d.step !== undefined) return text(d.step)
      return ""
  }
}

/** The badge word of an event: the decision of a policy event, else the part after the dot. */
export function eventBadge(event: RunEvent): Html {
  if (event.type === "policy.decision") return statusBadge(text(event.data.decision))
  return statusBadge(event.type.slice(event.type.indexOf(".") + 1))
}

/**
 * A row of the events table (`<tr data-id>`): id, time, type, run, summary.
 *
 * @since 0.1.0
 * @category pages
 */
export function eventRow(event: RunEvent, now?: number): Html {
  return html`<tr data-id="${event.id}">
<td class="mono">${event.id}</td>
<td>${timeAgo(event.at, now)}</td>
<td><code>${event.type}</code> ${eventBadge(event)}</td>
<td>${event.run_id !== null ? html`<a class="mono" href="/ui/runs/${encodeURIComponent(event.run_id)}">${event.run_id}</a>` : ""}</td>
<td>${eventSummary(event)}</td>
</tr>`
}
