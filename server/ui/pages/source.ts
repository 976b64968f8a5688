/**
 * @module
 * `/ui/sources/<name>`: one source with its status, spec (the engine
 * redacts it), provenance, trust outcome with the discovery paths tried,
 * discovery diagnostics and jobs; the Refresh and Remove buttons for
 * sources:write. Removing asks first, without JavaScript: the Remove form
 * carries a "yes" checkbox, and a post without it shows a confirmation
 * page instead of removing. Mounted by `sources.ts`. Needs sources:read.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import * as Schema from "effect/Schema"
import { SourceError, SourceName, type SourceRecord } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { imageTrustOf, trustDetails } from "../components/image-trust.ts"
import { kvTable, type KvRow } from "../components/kv-table.ts"
import { statusBadge } from "../components/status-badge.ts"
import { timeAgo } from "../components/time.ts"
import { html, type Html } from "../html.ts"
import { actionGuard, csrfField, hasScope, render, requirePageScope } from "../page.ts"

/** Provenance fields shown first, in this order; the rest follow as recorded. */
const leading = ["type", "ref", "image", "url", "commit", "digest", "resolved_digest", "index_digest", "platform", "pull_policy", "resolved_at", "pulled_at"]

const isName = Schema.is(SourceName)

/** A name that cannot exist is a 404 before the engine sees it, as in the API's route. */
function nameParam(c: Context<AppEnv>): string {
  const name = c.req.param("name") ?? ""
  if (!isName(name)) throw new SourceError({ code: "source.not.found", detail: "No source has this name" })
  return name
}

const pagePath = (name: string) => `/ui/sources/${encodeURIComponent(name)}`
const jobPath = (id: string) => `/ui/jobs/${id.split("/").map(encodeURIComponent).join("/")}`

/** A recorded value: times as `<time>`, strings as they are, anything else as JSON. */
function value(key: string, v: unknown): string | Html {
  if (typeof v === "string") return key.endsWith("_at") ? timeAgo(v) : /digest|commit/.test(key) ? html`<code>${v}</code>` : v
  if (v === null) return "—"
  return html`<code>${JSON.stringify(v)}</code>`
}

function recordTable(record: Readonly<Record<string, unknown>>, caption: string, skip: ReadonlyArray<string> = []): Html {
  const keys = Object.keys(record).filter((k) => !skip.includes(k))
  const ordered = [...leading.filter((k) => keys.includes(k)), ...keys.filter((k) => !leading.includes(k))]
  if (ordered.length === 0) return html`<p class="muted">Nothing recorded.</p>`
  return kvTable(ordered.map((k): KvRow => [k, value(k, record[k])]), caption)
}

function diagnosticsTable(s: SourceRecord): Html {
  if (s.diagnostics.length === 0) return html`<p class="empty">Discovery found no problem.</p>`
  return html`<table class="list">
<caption class="visually-hidden">Problems found while discovering the source's jobs</caption>
<thead><tr><th scope="col">Path</th><th scope="col">Severity</th><th scope="col">Code</th><th scope="col">Message</th></tr></thead>
<tbody>${s.diagnostics.map((d) => html`<tr><td><code>${d.path}</code></td><td>${statusBadge(d.level)}</td><td><code>${d.code}</code></td><td>${d.message}</td></tr>`)}</tbody>
</table>`
}

/** The source's jobs, linked: only for sessions that may read jobs (the API's `GET /jobs` needs jobs:read). */
async function jobsSection(c: Context<AppEnv>, deps: Deps, s: SourceRecord): Promise<Html> {
  if (!hasScope(c, "jobs:read")) return html`<p>${s.job_count} job${s.job_count === 1 ? "" : "s"}; listing them needs the jobs:read scope.</p>`
  const jobs = (await call(deps.engine, (e) => e.jobs())).filter((j) => j.source === s.name)
  if (jobs.length === 0) return html`<p class="empty">This source exposes no job.</p>`
  return html`<ul class="jobs">${jobs.map((j) => html`<li><a class="mono" href="${jobPath(j.id)}">${j.id}</a>${j.summary !== undefined ? html` — ${j.summary}` : ""}</li>`)}</ul>`
}

function actions(c: Context<AppEnv>, s: SourceRecord): Html {
  if (!hasScope(c, "sources:write")) return html``
  return html`<section aria-labelledby="h-actions">
<h2 id="h-actions">Actions</h2>
<form method="post" action="${pagePath(s.name)}/refresh">${csrfField(c)}<button type="submit">Refresh</button></form>
${s.name === "default" ? "" : html`<form method="post" action="${pagePath(s.name)}/remove">${csrfField(c)}
<p class="check"><input type="checkbox" id="confirm-remove" name="confirm" value="yes"> <label for="confirm-remove">Yes, remove ${s.name} and its jobs</label></p>
<button type="submit" class="danger">Remove</button></form>`}
</section>`
}

async function detailPage(c: Context<AppEnv>, deps: Deps): Promise<Response> {
  const s = await call(deps.engine, (e) => e.source(nameParam(c)))
  const trust = imageTrustOf(s.provenance)
  const body = html`<h1>Source <span class="mono">${s.name}</span></h1>
${kvTable([
    ["Type", s.type],
    ["Status", statusBadge(s.status)],
    ["Error", s.error !== null ? html`<code>${s.error.code}</code>: ${s.error.detail}` : undefined],
    ["Jobs", s.job_count],
    ["Added", timeAgo(s.created_at)],
    ["Updated", timeAgo(s.updated_at)]
  ])}
${actions(c, s)}
<section aria-labelledby="h-spec"><h2 id="h-spec">Spec</h2>${recordTable(s.spec, "The source's spec, secrets redacted")}</section>
<section aria-labelledby="h-provenance"><h2 id="h-provenance">Provenance</h2>${recordTable(s.provenance, "Where the jobs came from", ["image_trust"])}</section>
${trust !== undefined ? html`<section aria-labelledby="h-trust"><h2 id="h-trust">Trust</h2>${trustDetails(trust)}</section>` : ""}
<section aria-labelledby="h-diagnostics"><h2 id="h-diagnostics">Diagnostics</h2>${diagnosticsTable(s)}</section>
<section aria-labelledby="h-jobs"><h2 id="h-jobs">Jobs</h2>${await jobsSection(c, deps, s)}</section>`
  return render(c, { title: `Source ${s.name}`, body })
}

/** Asks before removing: the same form, with the box to tick. */
function confirmPage(c: Context<AppEnv>, s: SourceRecord): Response | Promise<Response> {
  const body = html`<h1>Remove source <span class="mono">${s.name}</span>?</h1>
<p>Its ${s.job_count} job${s.job_count === 1 ? "" : "s"} will no longer be offered. Runs already recorded are kept.</p>
<form method="post" action="${pagePath(s.name)}/remove">${csrfField(c)}
<p class="check"><input type="checkbox" id="confirm-remove" name="confirm" value="yes" required> <label for="confirm-remove">Yes, remove ${s.name} and its jobs</label></p>
<button type="submit" class="danger">Remove</button> <a href="${pagePath(s.name)}">Keep it</a></form>`
  return render(c, { title: `Remove ${s.name}`, body })
}

/**
 * The source pages, mounted under `/ui/sources`.
 *
 * @since 0.1.0
 * @category pages
 */
export function sourcePages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/:name", requirePageScope("sources:read"), (c) => detailPage(c, deps))

  app.post("/:name/refresh", actionGuard("sources:write"), async (c) => {
    const s = await call(deps.engine, (e) => e.refreshSource(nameParam(c)))
    return c.redirect(pagePath(s.name), 303)
  })

  app.post("/:name/remove", actionGuard("sources:write"), async (c) => {
    const name = nameParam(c)
    const form = await c.req.parseBody()
    if (form.confirm !== "yes") return confirmPage(c, await call(deps.engine, (e) => e.source(name)))
    await call(deps.engine, (e) => e.removeSource(name))
    return c.redirect("/ui/sources", 303)
  })
  return app
}
