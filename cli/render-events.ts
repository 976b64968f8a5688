/**
 * @module
 * Run events for people: a job's log lines go to stdout or stderr as the
 * job wrote them; every other event reads as one short line. Event data is
 * already redacted by the engine; nothing here adds argument values.
 */
import type { RunEvent } from "../core/mod.ts"

/** The output lines a `log` event carries, and the stream they came from. */
export function logLines(event: RunEvent): { readonly stream: "stdout" | "stderr"; readonly lines: ReadonlyArray<string> } {
  const data = event.data
  const stream = data.stream === "stderr" ? "stderr" : "stdout"
  const lines = Array.isArray(data.lines)
    ? data.lines.map(String)
    : typeof data.line === "string"
    ? [data.line]
    : typeof data.text === "string"
    ? [data.text]
    : []
  return { stream, lines }
}

function str(u: unknown): string | undefined {
  return typeof u === "string" || typeof u === "number" ? String(u) : undefined
}

/** What an event says, in a few words (`build: exit 0`, `exec: failed`). */
export function summarize(event: RunEvent): string {
  const d = event.data
  const step = str(d.step) ?? str(d.step_id)
  switch (event.type) {
    case "log": {
      const { stream, lines } = logLines(event)
      return `${step !== undefined ? `${step} ` : ""}${stream}: ${lines.join("\n")}`
    }
    case "step.started":
      return step ?? ""
    case "step.finished": {
      const exit = str(d.exit_code)
      return [step, exit !== undefined ? `exit ${exit}` : undefined, str(d.status)].filter((x) => x !== undefined).join(": ")
    }
    case "run.finished":
    case "run.failed":
    case "run.canceled": {
      const parts = [str(d.status), str(d.exit_code) !== undefined ? `exit ${str(d.exit_code)}` : undefined]
      const error = d.error as { code?: unknown; detail?: unknown } | null | undefined
      const code = str(d.code) ?? str(error?.code)
      const detail = str(d.detail) ?? str(error?.detail)
      if (code !== undefined) parts.push(`${code}${detail !== undefined ? `: ${detail}` : ""}`)
      return parts.filter((x) => x !== undefined).join(", ")
    }
    case "policy.decision":
      return [str(d.decision), str(d.subject), str(d.code), str(d.reason)].filter((x) => x !== undefined).join(" ")
    default:
      return [str(d.job_id), str(d.profile), str(d.name)].filter((x) => x !== undefined).join(" ")
  }
}

/** `12  18:04:05  step.started  build` */
export function describeEvent(event: RunEvent): string {
  const time = event.at.length >= 19 ? event.at.slice(11, 19) : event.at
  const text = summarize(event)
  return `${event.id}  ${time}  ${event.type}${text !== "" ? `  ${text}` : ""}`
}

/**
 * A policy decision as one phrase, `warn image.signature.unverified
 * registry/repo@sha256:…: <reason>`: `:events` and the warnings other
 * commands print on stderr say it the same way.
 */
export function describeDecision(d: Readonly<Record<string, unknown>>): string {
  return `${str(d.decision) ?? "?"} ${str(d.code) ?? "?"} ${str(d.subject) ?? "?"}: ${str(d.reason) ?? ""}`
}

/** What an engine-wide event is about: its run, else the source it names. */
function subjectOf(event: RunEvent): string | undefined {
  return event.run_id ?? str(event.data.source) ?? (event.type.startsWith("source.") ? str(event.data.name) : undefined)
}

/** The salient fields of an engine-wide event (`:events`); decisions read as `describeDecision`. */
function salient(event: RunEvent): string {
  const d = event.data
  switch (event.type) {
    case "policy.decision":
      return describeDecision(d)
    case "run.queued":
    case "run.started":
      return [str(d.job_id), str(d.profile)].filter((x) => x !== undefined).join(" ")
    case "source.added":
    case "source.updated":
      return [str(d.type), str(d.job_count) !== undefined ? `${str(d.job_count)} jobs` : undefined].filter((x) => x !== undefined).join(", ")
    case "source.pulled":
      return [str(d.phase), str(d.layer) ?? str(d.digest), str(d.bytes) !== undefined ? `${str(d.bytes)} bytes` : undefined]
        .filter((x) => x !== undefined).join(" ")
    case "source.failed":
      return [str(d.operation), str(d.code), str(d.detail)].filter((x) => x !== undefined).join(": ")
    case "source.removed":
      return ""
    default:
      return summarize(event)
  }
}

/** `18:04:05  policy.decision  run-01J…  warn image.signature.unverified …: …` — one line of `flwd :events`. */
export function describeEngineEvent(event: RunEvent): string {
  const time = event.at.length >= 19 ? event.at.slice(11, 19) : event.at
  return [time, event.type, subjectOf(event) ?? "-", salient(event)].filter((x) => x !== "").join("  ")
}
