/**
 * @module
 * `/ui/runs`: runs newest first, filtered by status and job (a GET form,
 * so it works without JavaScript), in cursor pages as `GET /runs` pages
 * them (`limit`, `cursor`, a "Next page" link carrying `next_cursor`).
 * `limit` goes up to 1,000, read as consecutive store pages: never one
 * engine call per row. The run page itself is `run.ts`. Needs runs:read.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import type { Run } from "../../../core/mod.ts"
import { RunStatus, ValidationError } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { decode } from "../../request.ts"
import { RunsQuery } from "../../schemas.ts"
import { pagination, withQuery } from "../components/pagination.ts"
import { statusBadge } from "../components/status-badge.ts"
import { duration, timeAgo } from "../components/time.ts"
import { html } from "../html.ts"
import { render, requirePageScope } from "../page.ts"
import { jobPath } from "./job.ts"
import { runRoutes } from "./run.ts"

const DEFAULT_LIMIT = 50
/** Most rows on one page: the store's own pages hold at most 500, so this is two reads. */
const MAX_LIMIT = 1000
/** Rows per store read (the store's maximum). */
const STORE_PAGE = 500

/** The list's query: `status`, `job_id`, `cursor` checked as `GET /runs` checks them; `limit` up to `MAX_LIMIT`. */
function listQuery(c: Context<AppEnv>): { status?: RunStatus; job_id?: string; cursor?: string; limit: number } {
  const limitText = c.req.query("limit")
  if (limitText !== undefined && limitText !== "" && !/^\d{1,4}$/.test(limitText)) throw badLimit()
  const limit = limitText === undefined || limitText === "" ? DEFAULT_LIMIT : Number(limitText)
  if (limit < 1 || limit > MAX_LIMIT) throw badLimit()
  // Empty fields come from the filter form's "all" choices.
  const given = (k: string) => {
    const v = c.req.query(k)
    return v === undefined || v === "" ? [] : [[k, v]]
  }
  const filter = decode(RunsQuery, Object.fromEntries(["status", "job_id", "cursor"].flatMap(given)), "query")
  return { ...filter, limit }
}

const badLimit = () =>
  new ValidationError({
    code: "validation.failed",
    detail: "Invalid query",
    errors: [{ path: "limit", message: `must be an integer from 1 to ${MAX_LIMIT}` }]
  })

/** Up to `limit` runs from the cursor on, in as few store reads as the store's page size allows. */
async function readRuns(deps: Deps, q: ReturnType<typeof listQuery>): Promise<{ items: Array<Run>; next: string | null }> {
  const items: Array<Run> = []
  let cursor = q.cursor
  for (;;) {
    const want = Math.min(STORE_PAGE, q.limit - items.length)
    const page = await call(deps.engine, (e) => e.runs({ status: q.status, job_id: q.job_id, cursor, limit: want }))
    items.push(...page.items)
    if (page.next_cursor === null || items.length >= q.limit) return { items, next: page.next_cursor }
    cursor = page.next_cursor
  }
}

/**
 * The runs sub-app, mounted at `/ui/runs`.
 *
 * @since 0.1.0
 * @category pages
 */
export function runsPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("runs:read"), async (c) => {
    const q = listQuery(c)
    const { items, next } = await readRuns(deps, q)
    const here = c.req.url
    const now = Date.now()
    const filtered = q.status !== undefined || q.job_id !== undefined
    const body = html`<h1>Runs</h1>
<form class="filters" method="get" action="/ui/runs">
<label for="status">Status</label>
<select id="status" name="status"><option value="">All</option>${RunStatus.literals.map((s) => html`<option value="${s}"${s === q.status ? html` selected` : ""}>${s}</option>`)}</select>
<label for="job_id">Job</label>
<input id="job_id" name="job_id" value="${q.job_id ?? ""}" placeholder="any job">
${q.limit !== DEFAULT_LIMIT ? html`<input type="hidden" name="limit" value="${q.limit}">` : ""}
<button type="submit">Filter</button>
</form>
<table class="list runs">
<caption class="visually-hidden">Runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Profile</th></tr></thead>
<tbody>${items.map((r) => html`<tr><td><a class="mono" href="/ui/runs/${encodeURIComponent(r.id)}">${r.id}</a></td><td><a href="${jobPath(r.job_id)}">${r.job_id}</a></td><td>${statusBadge(r.status)}</td><td>${timeAgo(r.started_at, now)}</td><td>${duration(r.started_at, r.finished_at) ?? ""}</td><td>${r.profile}</td></tr>`)}</tbody>
</table>
${items.length === 0 ? html`<p class="empty">No runs${filtered ? " match these filters" : " yet"}.</p>` : ""}
${pagination({
      first: q.cursor !== undefined ? withQuery(here, { cursor: undefined }) : undefined,
      next: next !== null ? withQuery(here, { cursor: next }) : undefined
    })}`
    return render(c, { title: "Runs", body })
  })
  app.route("/", runRoutes(deps))
  return app
}
