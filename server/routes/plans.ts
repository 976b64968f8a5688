/**
 * @module
 * `POST /plans`: what a run would do, decided without running it. Needs
 * `jobs:read` (a plan shows no more than the job does); asking for a
 * profile weaker than the default also needs `policy:override`, which the
 * engine checks.
 */
import { Hono } from "hono"
import type { AppEnv, Deps } from "../context.ts"
import { call } from "../engine-call.ts"
import { requireScope } from "../middleware/auth.ts"
import { readBodyAs } from "../request.ts"
import { PlanBody, toPlanRequest } from "../schemas.ts"

/**
 * The plans sub-app.
 *
 * @since 0.1.0
 * @category routes
 */
export function plansRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.post("/", requireScope(deps.tokens, "jobs:read"), async (c) => {
    const body = await readBodyAs(c, PlanBody, deps.settings)
    const request = toPlanRequest(body, c.get("scopes").has("policy:override"))
    return c.json(await call(deps.engine, (e) => e.plan(request)))
  })
  return app
}
