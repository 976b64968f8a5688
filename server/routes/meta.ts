/**
 * @module
 * `GET /healthz` (open), `GET /openapi.json` (open) and `GET /metrics`
 * (open when the server listens on loopback only, else `metrics:read`).
 */
import { Hono } from "hono"
import type { AppEnv, Deps } from "../context.ts"
import { requireScope } from "../middleware/auth.ts"
import { openApiDocument } from "../openapi.ts"

/**
 * The meta sub-app, mounted at the root.
 *
 * @since 0.1.0
 * @category routes
 */
export function metaRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  let document: string | undefined

  app.get("/healthz", (c) => c.json({ status: "ok" as const, version: deps.settings.version }))

  app.get("/openapi.json", (c) => {
    document ??= JSON.stringify(openApiDocument(deps.settings.version))
    return c.body(document, 200, { "content-type": "application/json; charset=utf-8" })
  })

  const scrape = async () => {
    const { text, contentType } = await deps.metrics.scrape()
    return new Response(text, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } })
  }
  if (deps.settings.loopback) app.get("/metrics", scrape)
  else app.get("/metrics", requireScope(deps.tokens, "metrics:read"), scrape)

  return app
}
