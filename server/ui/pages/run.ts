/**
 * @module
 * `/ui/runs/:id`: one run — status, job, profile, timings, exit or error,
 * its recorded arguments (secrets `***`), its steps and its log. The page is
 * complete without JavaScript: the log holds every event journaled so far
 * (the last `LOG_CAP` output lines). With JavaScript, `assets/live-log.js`
 * follows `GET /runs/{id}/events` from the last event rendered
 * (`data-after`) and appends what comes next. Cancel
 * (`POST /ui/runs/:id/cancel`) and "Run again" need runs:write.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import type { Run, RunEvent } from "../../../core/mod.ts"
import { terminalEventTypes, terminalStatuses } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import type { EngineHandle } from "../../../engine/handle.ts"
import { call } from "../../engine-call.ts"
import { kvTable } from "../components/kv-table.ts"
import { runAgainUrl } from "../components/run-again.ts"
import { logLine } from "../components/run-log.ts"
import { statusBadge } from "../components/status-badge.ts"
import { duration, timeAgo } from "../components/time.ts"
import { html, type Html } from "../html.ts"
import { actionGuard, csrfField, hasScope, render, requirePageScope } from "../page.ts"
import { jobPath } from "./job.ts"

/** Output lines the page renders at most; the NDJSON API has them all. */
export const LOG_CAP = 5000

/** Journal events read per call. */
const WINDOW = 5000

/** What the page knows of a run's journal. */
interface RunLog {
  /** Non-output events (steps, decisions, terminal) and the last `LOG_CAP` output lines, in journal order. */
  readonly events: ReadonlyArray<RunEvent>
  /** Output lines left out before the first one shown. */
  readonly dropped: number
  /** The id of the newest event read: the live log resumes after it. */
  readonly last: number
}

/**
 * Reads the run's journal forwards in windows, keeping every marker and the
 * newest output lines: a run with millions of lines costs memory for
 * `LOG_CAP` of them, not all.
 */
async function readLog(engine: EngineHandle, id: string): Promise<RunLog> {
  const markers: Array<RunEvent> = []
  let lines: Array<RunEvent> = []
  let dropped = 0
  let after = 0
  for (;;) {
    const page = await call(engine, (e) => e.journal({ run_id: id, after, limit: WINDOW }))
    for (const event of page) (event.type === "log" ? lines : markers).push(event)
    if (lines.length > 2 * LOG_CAP) {
      dropped += lines.length - LOG_CAP
      lines = lines.slice(-LOG_CAP)
    }
    if (page.length > 0) after = page[page.length - 1].id
    if (page.length < WINDOW) break
  }
  if (lines.length > LOG_CAP) {
    dropped += lines.length - LOG_CAP
    lines = lines.slice(-LOG_CAP)
  }
  const events = [...markers, ...lines].sort((a, b) => a.id - b.id)
  return { events, dropped, last: after }
}

/** A step's state as its events tell it. */
interface StepView {
  readonly id: string
  status: string
  started: string | null
  finished: string | null
  exit: string
}

function stepViews(run: Run, events: ReadonlyArray<RunEvent>): Array<StepView> {
  const steps = new Map<string, StepView>(run.plan.steps.map((s) => [s.id, { id: s.id, status: "pending", started: null, finished: null, exit: "" }]))
  for (const e of events) {
    const step = steps.get(String(e.data.step))
    if (step === undefined) continue
    if (e.type === "step.started") Object.assign(step, { status: "running", started: e.at })
    if (e.type === "step.finished") {
      Object.assign(step, { status: String(e.data.status), finished: e.at })
      if (typeof e.data.exit_code === "number") step.exit = String(e.data.exit_code)
    }
  }
  // A run that ended stops its steps: one never started was not run.
  if (terminalStatuses.includes(run.status)) for (const s of steps.values()) if (s.status === "pending") s.status = "skipped"
  return [...steps.values()]
}

const argText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v))

function stepsTable(steps: ReadonlyArray<StepView>): Html {
  return html`<table class="list" id="run-steps">
<caption class="visually-hidden">Steps</caption>
<thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Exit code</th></tr></thead>
<tbody>${steps.map((s) => html`<tr data-step="${s.id}"><th scope="row" class="mono">${s.id}</th><td class="step-status">${statusBadge(s.status)}</td><td class="step-started">${timeAgo(s.started)}</td><td class="step-duration">${duration(s.started, s.finished) ?? ""}</td><td class="step-exit">${s.exit}</td></tr>`)}</tbody>
</table>`
}

async function runPage(c: Context<AppEnv>, deps: Deps): Promise<Response> {
  const id = c.req.param("id") ?? ""
  let run = await call(deps.engine, (e) => e.getRun(id))
  const log = await readLog(deps.engine, id)
  const ended = log.events.some((e) => terminalEventTypes.includes(e.type))
  // The run may have ended between the two reads: show the record that matches the log.
  if (ended && !terminalStatuses.includes(run.status)) run = await call(deps.engine, (e) => e.getRun(id))
  const live = !ended && !terminalStatuses.includes(run.status)
  const write = hasScope(c, "runs:write")
  const path = encodeURIComponent(run.id)
  const args = Object.entries(run.args)
  const body = html`<h1>Run <span class="mono">${run.id}</span></h1>
<p class="actions">${live && write
    ? html`<form class="inline" method="post" action="/ui/runs/${path}/cancel" id="cancel-form">${csrfField(c)}<button type="submit" class="danger">Cancel run</button></form> `
    : ""}${write ? html`<a href="${runAgainUrl(run)}">Run again</a>` : ""}</p>
${kvTable([
    ["Status", html`<span id="run-status">${statusBadge(run.status)}</span>`],
    ["Job", html`<a href="${jobPath(run.job_id)}">${run.job_id}</a>`],
    ["Source", run.source],
    ["Profile", run.profile],
    ["Queued", timeAgo(run.created_at)],
    ["Started", html`<span id="run-started">${timeAgo(run.started_at)}</span>`],
    ["Finished", html`<span id="run-finished">${timeAgo(run.finished_at)}</span>`],
    ["Duration", html`<span id="run-duration">${duration(run.started_at, run.finished_at) ?? "—"}</span>`],
    ["Exit code", html`<span id="run-exit">${run.exit_code ?? "—"}</span>`],
    ["Error", run.error !== null ? html`<code>${run.error.code}</code>: ${run.error.detail}` : undefined]
  ])}
<h2>Arguments</h2>
${args.length === 0
    ? html`<p class="empty">No arguments.</p>`
    : kvTable(args.map(([k, v]) => [k, html`<code>${argText(v)}</code>`] as const), "Arguments as recorded; secrets show as ***")}
<h2>Steps</h2>
${stepsTable(stepViews(run, log.events))}
<h2 id="log-heading">Log</h2>
${log.dropped > 0
    ? html`<p class="muted">The first ${log.dropped} output lines are left out; the last ${LOG_CAP} follow. The whole log: <a href="/runs/${path}/events?format=ndjson">NDJSON</a>.</p>`
    : ""}
<p id="live-status" class="muted">${live ? "The run is in progress: new lines appear below when JavaScript is on (or reload)." : "The run has ended."}</p>
<pre class="log" id="run-log" role="log" aria-labelledby="log-heading" aria-live="polite" tabindex="0" data-after="${log.last}" data-cap="${LOG_CAP}"${
    live ? html` data-live="/runs/${path}/events"` : ""
  }>${log.events.map(logLine)}</pre>
${log.events.length === 0 ? html`<p class="empty" id="log-empty">Nothing logged yet.</p>` : ""}`
  return render(c, { title: `Run ${run.id}`, body, scripts: live ? ["live-log.js"] : [] })
}

/**
 * The run page and its cancel action, mounted under `/ui/runs` by
 * `runsPages`.
 *
 * @since 0.1.0
 * @category pages
 */
export function runRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/:id", requirePageScope("runs:read"), (c) => runPage(c, deps))
  app.post("/:id/cancel", actionGuard("runs:write"), async (c) => {
    const run = await call(deps.engine, (e) => e.cancel(c.req.param("id")))
    return c.redirect(`/ui/runs/${encodeURIComponent(run.id)}`, 303)
  })
  return app
}
