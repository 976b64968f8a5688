/**
 * @module
 * `/ui/sources`: every source with its type, status, job count, digest,
 * trust outcome and last update, and (with sources:write) the "Add source"
 * form. The form works without JavaScript: `POST /ui/sources` adds the
 * source as `POST /sources` does and answers `303` to its page, or shows
 * the form again, with what was typed and the problem (its fix hint too),
 * under the API's status. With JavaScript, `assets/add-source.js` sends it
 * to `POST /sources` itself and draws the pull progress live. The source
 * pages (`/ui/sources/<name>`, refresh, remove) are in `source.ts`.
 * Needs sources:read.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { isProblem, type SourceRecord } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { toProblem } from "../../problem.ts"
import { addSourceForm, addSourceValues, specFromValues, type AddSourceValues } from "../components/add-source-form.ts"
import { shortDigest } from "../components/digest.ts"
import { imageTrustOf, trustSummary } from "../components/image-trust.ts"
import { problemBox } from "../components/problem-box.ts"
import { statusBadge } from "../components/status-badge.ts"
import { timeAgo } from "../components/time.ts"
import { html, type Html } from "../html.ts"
import { actionGuard, csrfField, hasScope, render, requirePageScope } from "../page.ts"
import { sourcePages } from "./source.ts"

/** The digest a source serves: an image's manifest digest, a git commit. */
const digestOf = (s: SourceRecord): string | undefined => {
  const d = s.provenance.digest ?? s.provenance.commit
  return typeof d === "string" ? d : undefined
}

function sourcesTable(sources: ReadonlyArray<SourceRecord>): Html {
  if (sources.length === 0) return html`<p class="empty">No source yet.</p>`
  const now = Date.now()
  return html`<table class="list">
<caption class="visually-hidden">Sources, by name</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Jobs</th><th scope="col">Digest</th><th scope="col">Trust</th><th scope="col">Updated</th></tr></thead>
<tbody>${sources.map((s) => html`<tr><td><a href="/ui/sources/${encodeURIComponent(s.name)}">${s.name}</a></td><td>${s.type}</td><td>${statusBadge(s.status)}${s.error !== null ? html` <code>${s.error.code}</code>` : ""}</td><td>${s.job_count}</td><td>${shortDigest(digestOf(s))}</td><td>${trustSummary(imageTrustOf(s.provenance))}</td><td>${timeAgo(s.updated_at, now)}</td></tr>`)}</tbody>
</table>`
}

/** The list page, with the add form for sessions holding sources:write. */
async function listPage(c: Context<AppEnv>, deps: Deps, form: { values: AddSourceValues; problem?: Html; status?: ContentfulStatusCode }): Promise<Response> {
  const sources = await call(deps.engine, (e) => e.sources())
  const canAdd = hasScope(c, "sources:write")
  const body = html`<h1>Sources</h1>
${sourcesTable(sources)}
${canAdd ? addSourceForm({ csrf: csrfField(c), values: form.values, problem: form.problem, liveEvents: hasScope(c, "events:read") }) : ""}`
  return render(c, { title: "Sources", body, scripts: canAdd ? ["add-source.js"] : [], status: form.status })
}

/**
 * The sources sub-app, mounted at `/ui/sources`.
 *
 * @since 0.1.0
 * @category pages
 */
export function sourcesPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("sources:read"), (c) => listPage(c, deps, { values: {} }))

  app.post("/", actionGuard("sources:write"), async (c) => {
    const values = addSourceValues(await c.req.parseBody({ all: true }))
    try {
      const change = await call(deps.engine, (e) => e.addSource(specFromValues(values)))
      return c.redirect(`/ui/sources/${encodeURIComponent(change.source.name)}`, 303)
    } catch (error) {
      // Anything but a problem is the error handler's (logged, a generic page).
      if (!isProblem(error)) throw error
      const problem = toProblem(error, "/sources")
      return listPage(c, deps, { values, problem: problemBox(problem), status: problem.status as ContentfulStatusCode })
    }
  })

  app.route("/", sourcePages(deps))
  return app
}
