/**
 * @module
 * `GET /jobs` and `GET /jobs/{id}`. Job ids contain `/` (`backup/daily`,
 * `addon/hello-world`), so the detail route takes the rest of the path.
 */
import { Hono } from "hono"
import { DEFAULT_SOURCE, Effect, type Job, JobError, type SourceRecord } from "../../core/mod.ts"
import type { AppEnv, Deps } from "../context.ts"
import { call } from "../engine-call.ts"
import { requireScope } from "../middleware/auth.ts"
import { isSuspiciousId, jobDetail, jobSummary } from "./_views.ts"

/**
 * The jobs sub-app.
 *
 * @since 0.1.0
 * @category routes
 */
export function jobsRoutes(deps: Deps): Hono<AppEnv> {
  const { engine } = deps
  const app = new Hono<AppEnv>()
  const auth = requireScope(deps.tokens, "jobs:read")

  // The catalogue hands out the same job list, and the registry the same
  // source records, until something changes; so the listing is rendered once
  // per change rather than per request.
  let rendered: { jobs: ReadonlyArray<Job>; sources: ReadonlyArray<SourceRecord>; body: string } | undefined
  app.get("/", auth, async (c) => {
    const [jobs, sources] = await call(engine, (e) => Effect.all([e.jobs(), e.sources()]))
    if (rendered === undefined || rendered.jobs !== jobs || !sameItems(rendered.sources, sources)) {
      const byName = new Map(sources.map((s) => [s.name, s]))
      // Sorted by id, as `flwd :jobs` lists them.
      const sorted = [...jobs].sort((a, b) => a.id.localeCompare(b.id))
      rendered = { jobs, sources, body: JSON.stringify({ items: sorted.map((job) => jobSummary(job, byName.get(job.source))) }) }
    }
    return c.body(rendered.body, 200, { "content-type": "application/json" })
  })

  app.get("/:id{.+}", auth, async (c) => {
    const id = c.req.param("id")
    const source = c.req.query("source")
    if (isSuspiciousId(id)) throw new JobError({ code: "job.not.found", detail: "No job has this id" })
    const view = await call(engine, (e) => e.job(id, source))
    const record = view.job.source === DEFAULT_SOURCE ? undefined : await call(engine, (e) => e.source(view.job.source))
    return c.json(jobDetail(view.job, record, view.argsSchema))
  })

  return app
}

/** Whether two lists hold the very same values in the same order. */
function sameItems<A>(a: ReadonlyArray<A>, b: ReadonlyArray<A>): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
