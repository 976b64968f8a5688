/**
 * @module
 * Runs: start (`POST /runs`, 202 with `Location`, `Idempotency-Key`
 * honoured), list with filters and cursor pagination, show, cancel
 * (`POST /runs/{id}:cancel` or `/runs/{id}/cancel`) and follow
 * (`GET /runs/{id}/events`, SSE or NDJSON, resumable).
 */
import { Hono } from "hono"
import { Effect, Engine, RunError, Stream } from "../../core/mod.ts"
import type { AppEnv, Deps } from "../context.ts"
import { call } from "../engine-call.ts"
import { idempotencyKey, requestHash } from "../idempotency.ts"
import { requireScope } from "../middleware/auth.ts"
import { HttpError } from "../problem.ts"
import { decode, readJson, resumeAfter } from "../request.ts"
import { PlanBody, RunsQuery, toPlanRequest } from "../schemas.ts"
import { streamFormat } from "../sse.ts"

const runsQueryKeys = ["job_id", "status", "limit", "cursor"] as const

/**
 * The runs sub-app.
 *
 * @since 0.1.0
 * @category routes
 */
export function runsRoutes(deps: Deps): Hono<AppEnv> {
  const { engine, settings } = deps
  const app = new Hono<AppEnv>()
  const read = requireScope(deps.tokens, "runs:read")
  const write = requireScope(deps.tokens, "runs:write")

  app.post("/", write, async (c) => {
    if (settings.draining?.aborted === true) {
      // Runs started now would only be canceled at the end of the grace period.
      throw new HttpError("server.shutting.down", "The server is shutting down and starts no new runs", {
        headers: { "retry-after": "10" }
      })
    }
    const key = idempotencyKey(c.req.header("idempotency-key"))
    const body = decode(PlanBody, await readJson(c, settings))
    const request = toPlanRequest(body, c.get("scopes").has("policy:override"))
    const { run, replayed } = key === undefined
      ? { run: await call(engine, (e) => e.run(request)), replayed: false }
      : await call(engine, (e) => e.runIdempotent(key, requestHash(body), request))
    c.header("location", `/runs/${encodeURIComponent(run.id)}`)
    if (replayed) c.header("idempotent-replay", "true")
    return c.json(run, 202)
  })

  app.get("/", read, async (c) => {
    // Unknown query parameters (cache busters) are ignored; known ones are checked.
    const raw = Object.fromEntries(runsQueryKeys.flatMap((k) => {
      const v = c.req.query(k)
      return v === undefined ? [] : [[k, v]]
    }))
    const filter = decode(RunsQuery, raw, "query")
    return c.json(await call(engine, (e) => e.runs(filter)))
  })

  app.get("/:id", read, async (c) => c.json(await call(engine, (e) => e.getRun(c.req.param("id")))))

  const cancel = async (id: string) => call(engine, (e) => e.cancel(id))
  app.post("/:id/cancel", write, async (c) => c.json(await cancel(c.req.param("id"))))
  // `/runs/{id}:cancel` (AIP-136 custom method): the router sees one segment.
  app.post("/:action", write, async (c) => {
    const action = c.req.param("action")
    if (!action.endsWith(":cancel")) {
      throw new HttpError("method.not.allowed", "POST is not allowed on a run; use POST /runs/{id}:cancel", {
        headers: { allow: "GET" }
      })
    }
    const id = action.slice(0, -":cancel".length)
    if (id === "") throw new RunError({ code: "run.not.found", detail: "No run has an empty id" })
    return c.json(await cancel(id))
  })

  app.get("/:id/events", read, async (c) => {
    const id = c.req.param("id")
    const after = resumeAfter(c)
    // Unknown runs are a 404 before any stream starts.
    await call(engine, (e) => e.getRun(id))
    const events = Stream.unwrap(Effect.map(Engine, (e) => e.runEvents(id, after)))
    return deps.streams.open(events, {
      format: streamFormat(c.req.query("format"), c.req.header("accept")),
      head: c.req.raw.method === "HEAD",
      instance: c.req.path
    })
  })

  return app
}
