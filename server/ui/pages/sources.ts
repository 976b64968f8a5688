/**
 * @module
 * `/ui/sources`: every source with its type, status and job count. A first
 * list; the sources pages (detail, add, refresh, remove) grow from here.
 * Needs sources:read.
 */
import { Hono } from "hono"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { kvTable } from "../components/kv-table.ts"
import { statusBadge } from "../components/status-badge.ts"
import { html } from "../html.ts"
import { render, requirePageScope } from "../page.ts"

/**
 * The sources sub-app, mounted at `/ui/sources`.
 *
 * @since 0.1.0
 * @category pages
 */
export function sourcesPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("sources:read"), async (c) => {
    const sources = await call(deps.engine, (e) => e.sources())
    const body = html`<h1>Sources</h1>
<table class="list">
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Jobs</th></tr></thead>
<tbody>${sources.map((s) => html`<tr><td><a href="/ui/sources/${encodeURIComponent(s.name)}">${s.name}</a></td><td>${s.type}</td><td>${statusBadge(s.status)}</td><td>${s.job_count}</td></tr>`)}</tbody>
</table>`
    return render(c, { title: "Sources", body })
  })
  app.get("/:name", requirePageScope("sources:read"), async (c) => {
    const s = await call(deps.engine, (e) => e.source(c.req.param("name")))
    const body = html`<h1>Source <span class="mono">${s.name}</span></h1>
${kvTable([["Type", s.type], ["Status", statusBadge(s.status)], ["Jobs", s.job_count], ["Error", s.error !== null ? `${s.error.code}: ${s.error.detail}` : undefined]])}`
    return render(c, { title: `Source ${s.name}`, body })
  })
  return app
}
