/**
 * @module
 * `/ui/jobs`: the catalogue, searchable. `?q=` keeps the jobs whose id,
 * name or summary contains the words (any case), on the server, so the
 * search works without JavaScript; `assets/job-form.js` filters the rows as
 * you type. The job pages (`pages/job.ts`) are mounted below. Needs
 * jobs:read.
 */
import { Hono } from "hono"
import { DEFAULT_SOURCE, type Job } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { html } from "../html.ts"
import { render, requirePageScope } from "../page.ts"
import { jobPages, jobPath } from "./job.ts"

/** What the search looks at, lower-cased: the same text `job-form.js` reads from `data-search`. */
const searchText = (job: Job): string => [job.id, job.name, job.summary ?? ""].join(" ").toLowerCase()

const count = (n: number): string => `${n} ${n === 1 ? "job" : "jobs"}`

/** Every word of the query appears in the job's text. */
function matches(job: Job, words: ReadonlyArray<string>): boolean {
  const text = searchText(job)
  return words.every((w) => text.includes(w))
}

/**
 * The jobs sub-app, mounted at `/ui/jobs`.
 *
 * @since 0.1.0
 * @category pages
 */
export function jobsPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("jobs:read"), async (c) => {
    const q = (c.req.query("q") ?? "").trim()
    const words = q.toLowerCase().split(/\s+/).filter((w) => w !== "")
    const all = await call(deps.engine, (e) => e.jobs())
    const jobs = all.filter((j) => matches(j, words))
    const body = html`<h1>Jobs</h1>
<form class="filters" method="get" action="/ui/jobs" role="search">
<label for="q">Search</label>
<input type="search" id="q" name="q" value="${q}" aria-describedby="q-help" data-filter="job-rows">
<button type="submit">Search</button>
<p id="q-help" class="hint">Matches the id, name and summary.</p>
</form>
<p id="job-count" class="muted" aria-live="polite">${q === "" ? `${count(all.length)}.` : `${jobs.length} of ${count(all.length)} match “${q}”.`}</p>
<table class="list">
<caption class="visually-hidden">Jobs</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Summary</th><th scope="col">Source</th><th scope="col">Arguments</th></tr></thead>
<tbody id="job-rows">${jobs.map((j) => html`<tr data-search="${searchText(j)}"><td><a class="mono" href="${jobPath(j.id)}">${j.id}</a></td><td>${j.name}</td><td>${j.summary ?? ""}</td><td>${
      j.source === DEFAULT_SOURCE ? "" : html`<a href="/ui/sources/${encodeURIComponent(j.source)}">${j.source}</a>`
    }</td><td>${j.argspec.args.length}</td></tr>`)}</tbody>
</table>
${jobs.length === 0 ? html`<p class="empty">${q === "" ? "No jobs yet: add a source." : "No job matches."}</p>` : ""}`
    return render(c, { title: "Jobs", body, scripts: ["job-form.js"] })
  })
  app.route("/", jobPages(deps))
  return app
}
