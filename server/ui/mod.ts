/**
 * @module
 * The web console (`/ui`): server-rendered pages over the engine, sign-in
 * with the API's tokens into a cookie session, and small ES modules for the
 * live parts. `createApp` mounts `uiRoutes` at `/ui` unless `ui: false`.
 *
 * To add pages: write `server/ui/pages/<name>.ts` exporting a function
 * `(deps: Deps) => Hono<AppEnv>` and mount it below. The helpers a page
 * needs are re-exported here: `render` (the layout), `requirePageScope`,
 * `actionGuard`, `csrfField`, `hasScope`, `sessionOf`, the components and
 * `assetUrl`.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { isProblem } from "../../core/mod.ts"
import type { AppEnv, Deps } from "../context.ts"
import { HttpError, toProblem } from "../problem.ts"
import { assetRoutes, loadAssets } from "./assets.ts"
import { problemBox } from "./components/problem-box.ts"
import { securityHeaders } from "./headers.ts"
import { html } from "./html.ts"
import { layout } from "./layout.ts"
import { eventsPages } from "./pages/events.ts"
import { jobsPages } from "./pages/jobs.ts"
import { loginRoutes } from "./pages/login.ts"
import { overviewPages } from "./pages/overview.ts"
import { runsPages } from "./pages/runs.ts"
import { sourcesPages } from "./pages/sources.ts"

export { assetUrl } from "./assets.ts"
export * from "./components/mod.ts"
export { html, raw, type Html } from "./html.ts"
export { actionGuard, csrfField, hasScope, render, requirePageScope, sessionOf, type PageOptions } from "./page.ts"
export { makeSessionStore, sessionCookie } from "./session.ts"

/**
 * An error thrown by a page or action (an engine error, an `HttpError`) as
 * an HTML page with the status and problem the API would answer.
 */
function problemPage(error: unknown, c: Context<AppEnv>, log: (message: string) => void): Response | Promise<Response> {
  if (!isProblem(error) || error.code === "internal") {
    log(`flwd: ${c.req.method} ${c.req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  }
  const problem = toProblem(error, c.req.path)
  const fix = typeof error === "object" && error !== null && "fix" in error && typeof error.fix === "string" ? error.fix : undefined
  const body = html`<h1>${problem.title}</h1>${problemBox({ ...problem, ...(fix !== undefined ? { fix } : {}) })}<p><a href="/ui/">Back to the overview</a></p>`
  return c.html(layout({ title: problem.title, path: c.req.path, session: c.get("session"), body }), problem.status as ContentfulStatusCode)
}

/**
 * The console sub-app, mounted at `/ui` by `createApp`.
 *
 * @since 0.1.0
 * @category routes
 */
export function uiRoutes(deps: Deps): Hono<AppEnv> {
  loadAssets()
  // Not strict: `/ui` is `/ui/`, `/ui/runs/` is `/ui/runs`.
  const app = new Hono<AppEnv>({ strict: false })
  app.use(securityHeaders())
  app.route("/assets", assetRoutes())
  app.route("/", loginRoutes(deps))
  app.route("/", overviewPages(deps))
  app.route("/sources", sourcesPages(deps))
  app.route("/jobs", jobsPages(deps))
  app.route("/runs", runsPages(deps))
  app.route("/events", eventsPages(deps))
  // Last: a mistyped console URL gets a page with the navigation, not JSON.
  app.get("*", (c) => problemPage(new HttpError("route.not.found", `There is no console page at ${c.req.path}`), c, deps.settings.log))
  // Set before the app is mounted: `route()` takes the handler then.
  app.onError((error, c) => problemPage(error, c, deps.settings.log))
  return app
}
