/**
 * @module
 * `GET /jobs` and `GET /jobs/{id}`. Job ids contain `/` (`backup/daily`,
 * `addon/hello-world`), so the detail route takes the rest of the path.
 */
import { Hono } from "hono"
import { DEFAULT_SOURCE, JobError } from "../../core/mod.ts"
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

  app.get("/", auth, async (c) => {
    const [jobs, sources] = await Promise.all([call(engine, (e) => e.jobs()), call(engine, (e) => e.sources())])
    const byName = new Map(sources.map((s) => [s.name, s]))
    // Sorted by id, as `flwd :jobs` lists them.
    const sorted = [...jobs].sort((a, b) => a.id.localeCompare(b.id))
    return c.json({ items: sorted.map((job) => jobSummary(job, byName.get(job.source))) })
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
