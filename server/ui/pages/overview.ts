/**
 * @module
 * `/ui/`: what is going on. Sources by status (sources:read), queued and
 * running runs and the latest failed ones (runs:read), recent failures and
 * policy decisions from the journal (events:read). Any signed-in session
 * sees the page; each section shows only when the session holds its scope.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import type { Run, SourceRecord } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { statusBadge } from "../components/status-badge.ts"
import { timeAgo } from "../components/time.ts"
import { eventRow } from "../event-view.ts"
import { html, type Html } from "../html.ts"
import { recentEvents } from "../journal.ts"
import { hasScope, render, requirePageScope } from "../page.ts"

// "Recent" is the newest 5,000 journal entries: the overview stays quick however
// many log lines the journal holds; the events page reaches further back.
const RECENT = 5_000

const runLink = (id: string): Html => html`<a class="mono" href="/ui/runs/${encodeURIComponent(id)}">${id}</a>`

function sourcesSection(sources: ReadonlyArray<SourceRecord>): Html {
  const by = (s: string) => sources.filter((x) => x.status === s).length
  return html`<section aria-labelledby="h-sources">
<h2 id="h-sources">Sources</h2>
<ul class="counts">
<li>${statusBadge("ready")} ${by("ready")}</li><li>${statusBadge("loading")} ${by("loading")}</li><li>${statusBadge("failed")} ${by("failed")}</li>
</ul>
<table class="list">
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Jobs</th></tr></thead>
<tbody>${sources.map((s) => html`<tr><td><a href="/ui/sources/${encodeURIComponent(s.name)}">${s.name}</a></td><td>${s.type}</td><td>${statusBadge(s.status)}${s.error !== null ? html` <code>${s.error.code}</code>` : ""}</td><td>${s.job_count}</td></tr>`)}</tbody>
</table>
</section>`
}

function runsTable(runs: ReadonlyArray<Run>, empty: string): Html {
  if (runs.length === 0) return html`<p class="empty">${empty}</p>`
  return html`<table class="list">
<thead><tr><th scope="col">Run</th><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${runs.map((r) => html`<tr><td>${runLink(r.id)}</td><td>${r.job_id}</td><td>${statusBadge(r.status)}${r.error !== null ? html` <code>${r.error.code}</code>` : ""}</td><td>${timeAgo(r.created_at)}</td></tr>`)}</tbody>
</table>`
}

async function runsSection(deps: Deps): Promise<Html> {
  const [queued, running, failed] = await Promise.all(
    (["queued", "running", "failed"] as const).map((status) => call(deps.engine, (e) => e.runs({ status, limit: 20 })))
  )
  const active = [...running.items, ...queued.items]
  return html`<section aria-labelledby="h-runs">
<h2 id="h-runs">Queued and running</h2>
${runsTable(active, "No run is queued or running.")}
<p><a href="/ui/runs?status=running">All running runs</a> · <a href="/ui/runs?status=queued">All queued runs</a></p>
</section>
<section aria-labelledby="h-failed-runs">
<h2 id="h-failed-runs">Recently failed runs</h2>
${runsTable(failed.items.slice(0, 5), "No run has failed.")}
</section>`
}

async function journalSections(deps: Deps): Promise<Html> {
  const [failures, decisions] = await Promise.all([
    recentEvents(deps.engine, { keep: (e) => e.type === "source.failed" || e.type === "run.failed", limit: 10, maxScan: RECENT }),
    recentEvents(deps.engine, { keep: (e) => e.type === "policy.decision", limit: 10, maxScan: RECENT })
  ])
  const table = (rows: Html, caption: string) => html`<table class="list events">
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">Id</th><th scope="col">When</th><th scope="col">Type</th><th scope="col">Run</th><th scope="col">Summary</th></tr></thead>
<tbody>${rows}</tbody></table>`
  const now = Date.now()
  return html`<section aria-labelledby="h-failures">
<h2 id="h-failures">Recent failures</h2>
${failures.items.length === 0 ? html`<p class="empty">No failure in the recent journal.</p>` : table(html`${failures.items.map((e) => eventRow(e, now))}`, "Failed runs and failed source operations, newest first")}
<p><a href="/ui/events?type=failures">All failures</a></p>
</section>
<section aria-labelledby="h-decisions">
<h2 id="h-decisions">Recent policy decisions</h2>
${decisions.items.length === 0 ? html`<p class="empty">No policy decision in the recent journal.</p>` : table(html`${decisions.items.map((e) => eventRow(e, now))}`, "Policy decisions, newest first")}
<p><a href="/ui/events?type=policy.decision">All policy decisions</a></p>
</section>`
}

async function overview(c: Context<AppEnv>, deps: Deps): Promise<Response> {
  const sections: Array<Html> = []
  if (hasScope(c, "sources:read")) sections.push(sourcesSection(await call(deps.engine, (e) => e.sources())))
  if (hasScope(c, "runs:read")) sections.push(await runsSection(deps))
  if (hasScope(c, "events:read")) sections.push(await journalSections(deps))
  const body = html`<h1>Overview</h1>
${sections.length === 0 ? html`<p>Your token holds none of the scopes this page shows (sources:read, runs:read, events:read).</p>` : html`<div class="sections">${sections}</div>`}`
  return render(c, { title: "Overview", body })
}

/**
 * The overview, mounted at `/ui/` (and `/ui`).
 *
 * @since 0.1.0
 * @category pages
 */
export function overviewPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope(), (c) => overview(c, deps))
  return app
}
