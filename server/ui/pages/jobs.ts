/**
 * @module
 * `/ui/jobs`: every job with its source and summary. A first list; the job
 * pages (search, argument form, plan preview, Run) grow from here. Needs
 * jobs:read.
 */
import { Hono } from "hono"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { kvTable } from "../components/kv-table.ts"
import { html } from "../html.ts"
import { render, requirePageScope } from "../page.ts"

/**
 * The jobs sub-app, mounted at `/ui/jobs`.
 *
 * @since 0.1.0
 * @category pages
 */
export function jobsPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("jobs:read"), async (c) => {
    const jobs = await call(deps.engine, (e) => e.jobs())
    const body = html`<h1>Jobs</h1>
<table class="list">
<thead><tr><th scope="col">Job</th><th scope="col">Source</th><th scope="col">Summary</th></tr></thead>
<tbody>${jobs.map((j) => html`<tr><td><a class="mono" href="/ui/jobs/${j.id.split("/").map(encodeURIComponent).join("/")}">${j.id}</a></td><td>${j.source}</td><td>${j.summary ?? ""}</td></tr>`)}</tbody>
</table>`
    return render(c, { title: "Jobs", body })
  })
  // Job ids hold slashes (`addon/hello`): the rest of the path is the id.
  app.get("/:id{.+}", requirePageScope("jobs:read"), async (c) => {
    const { job } = await call(deps.engine, (e) => e.job(c.req.param("id")))
    const body = html`<h1>Job <span class="mono">${job.id}</span></h1>
${kvTable([["Name", job.name], ["Source", job.source], ["Summary", job.summary]])}`
    return render(c, { title: `Job ${job.id}`, body })
  })
  return app
}
