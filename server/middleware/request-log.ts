/**
 * @module
 * One log line per request (method, path, status, duration, request id) and
 * the request id on every answer as `x-request-id`, so a client's report and
 * the server's log meet on one value. A caller's id (a proxy's, say) is kept
 * when it is sane, so one id follows a request across hops; anything else is
 * replaced rather than echoed into the log.
 *
 * Each request is also a span (`GET /runs/:id`), active while the handler
 * runs so the engine's spans become its children. Without a configured
 * tracer provider (`plugins/telemetry`) there is no span: the API's would
 * be a no-op (`server/tracing-api.ts`).
 */
import type * as OtelApi from "@opentelemetry/api"
import type { Context, MiddlewareHandler, Next } from "hono"
import { routePath } from "hono/route"
import type { AppEnv } from "../context.ts"
import type { Logger } from "../logger.ts"
import { tracingApi } from "../tracing-api.ts"
import { setResponseHeader } from "./response-header.ts"

/** Ids a caller may choose: short, printable, no spaces or quotes to forge log fields with. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The caller's `x-request-id` when sane, else a fresh one.
 *
 * @since 0.1.0
 * @category utils
 */
export function requestId(incoming: string | undefined): string {
  return incoming !== undefined && SANE_ID.test(incoming) ? incoming : crypto.randomUUID()
}

/**
 * @since 0.1.0
 * @category middleware
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const id = requestId(c.req.header("x-request-id"))
    const start = performance.now()
    const api = tracingApi()
    try {
      if (api === undefined) await next()
      else await traced(await api, c, next, id)
    } finally {
      // Set after the handler, so no route's headers replace it.
      setResponseHeader(c, "x-request-id", id)
      const status = c.res.status
      const duration_ms = Math.round((performance.now() - start) * 10) / 10
      logger.log(status >= 500 ? "error" : "info", `${c.req.method} ${c.req.path} ${status} ${duration_ms} ms`, {
        request_id: id,
        method: c.req.method,
        path: c.req.path,
        status,
        duration_ms
      })
    }
  }
}

/** Runs the rest of the chain inside the request's span. */
async function traced(otel: typeof OtelApi, c: Context<AppEnv>, next: Next, id: string): Promise<void> {
  const { context, SpanKind, SpanStatusCode, trace } = otel
  const span = trace.getTracer("flwd").startSpan(`${c.req.method} ${c.req.path}`, {
    kind: SpanKind.SERVER,
    attributes: { "http.request.method": c.req.method, "url.path": c.req.path, "flwd.request_id": id }
  })
  try {
    await context.with(trace.setSpan(context.active(), span), next)
  } finally {
    // Named by the route pattern, as metrics label it, so span names stay few.
    const route = c.get("unmatched") === true ? c.req.path : routePath(c, -1)
    span.updateName(`${c.req.method} ${route}`)
    span.setAttributes({ "http.route": route, "http.response.status_code": c.res.status })
    if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    span.end()
  }
}
