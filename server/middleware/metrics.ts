/**
 * @module
 * Records every request in the metrics, labelled by the route pattern
 * (`/runs/:id`), never the raw path, so label sets stay bounded.
 */
import type { MiddlewareHandler } from "hono"
import { routePath } from "hono/route"
import type { AppEnv } from "../context.ts"
import type { Metrics } from "../metrics.ts"

/**
 * @since 0.1.0
 * @category middleware
 */
export function recordMetrics(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function recordMetrics(c, next) {
    const start = performance.now()
    try {
      await next()
    } finally {
      const route = c.get("unmatched") === true ? "unmatched" : routePath(c, -1)
      metrics.observeRequest(c.req.method, route, c.res.status, (performance.now() - start) / 1000)
    }
  }
}
