/**
 * @module
 * `GET /events`: every engine event (sources, policy decisions, runs) as
 * SSE or NDJSON. Without `Last-Event-ID` or `?after=` it starts with what
 * happens next: replaying the whole journal is what `?after=0` is for. The
 * `Flwd-Stream-After` header names the event id it starts after.
 */
import { Hono } from "hono"
import { Effect, Engine, Stream } from "../../core/mod.ts"
import type { AppEnv, Deps } from "../context.ts"
import { call } from "../engine-call.ts"
import { requireScope } from "../middleware/auth.ts"
import { resumeAfter } from "../request.ts"
import { streamFormat } from "../sse.ts"

/**
 * The global events sub-app.
 *
 * @since 0.1.0
 * @category routes
 */
export function eventsRoutes(deps: Deps): Hono<AppEnv> {
  const { engine } = deps
  const app = new Hono<AppEnv>()
  app.get("/", requireScope(deps.tokens, "events:read"), async (c) => {
    const after = resumeAfter(c) ?? await call(engine, (e) => e.latestEventId)
    const events = Stream.unwrap(Effect.map(Engine, (e) => e.events({ after })))
    const response = await deps.streams.open(events, {
      format: streamFormat(c.req.query("format"), c.req.header("accept")),
      head: c.req.raw.method === "HEAD",
      instance: c.req.path
    })
    // Where the stream starts: without `after`, the newest event id, which
    // a client (`flwd --remote`) needs to follow only what comes next.
    response.headers.set("flwd-stream-after", String(after))
    return response
  })
  return app
}
