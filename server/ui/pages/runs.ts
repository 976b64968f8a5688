/**
 * @module
 * `/ui/runs`: the newest runs with their status. A first list; the runs
 * pages (status filter, cursor pages, run detail with its live log,
 * cancel, run again) grow from here. Needs runs:read.
 */
import { Hono } from "hono"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { kvTable } from "../components/kv-table.ts"
import { statusBadge } from "../components/status-badge.ts"
import { timeAgo } from "../components/time.ts"
import { html } from "../html.ts"
import { render, requirePageScope } from "../page.ts"

/**
 * The runs sub-app, mounted at `/ui/runs`.
 *
 * @since 0.1.0
 * @category pages
 */
export function runsPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("runs:read"), async (c) => {
    const page = await call(deps.engine, (e) => e.runs({}))
    const body = html`<h1>Runs</h1>
<table class="list">
<thead><tr><th scope="col">Run</th><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${page.items.map((r) => html`<tr><td><a class="mono" href="/ui/runs/${encodeURIComponent(r.id)}">${r.id}</a></td><td>${r.job_id}</td><td>${statusBadge(r.status)}</td><td>${timeAgo(r.created_at)}</td></tr>`)}</tbody>
</table>`
    return render(c, { title: "Runs", body })
  })
  app.get("/:id", requirePageScope("runs:read"), async (c) => {
    const r = await call(deps.engine, (e) => e.getRun(c.req.param("id")))
    const body = html`<h1>Run <span class="mono">${r.id}</span></h1>
${kvTable([["Job", r.job_id], ["Status", statusBadge(r.status)], ["Profile", r.profile], ["Created", timeAgo(r.created_at)], ["Error", r.error !== null ? `${r.error.code}: ${r.error.detail}` : undefined]])}`
    return render(c, { title: `Run ${r.id}`, body })
  })
  return app
}
