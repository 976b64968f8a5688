/**
 * @module
 * Sources: list, add or replace (`POST /sources`: 201 when the name is new,
 * 200 when it replaced one), show, remove (204) and refresh
 * (`POST /sources/{name}:refresh`). The engine decodes the spec with the
 * source plugin's Schema and applies the policy (`source.not.allowed`).
 */
import { Hono } from "hono"
import * as Schema from "effect/Schema"
import { SourceError, SourceName, ValidationError } from "../../core/mod.ts"
import type { AppEnv, Deps } from "../context.ts"
import { call } from "../engine-call.ts"
import { requireScope } from "../middleware/auth.ts"
import { HttpError } from "../problem.ts"
import { readJson } from "../request.ts"

const isName = Schema.is(SourceName)

/** A name that cannot exist (`..%2F..`, upper case, slashes) is a 404 before the engine sees it. */
function sourceName(raw: string): string {
  if (!isName(raw)) throw new SourceError({ code: "source.not.found", detail: "No source has this name" })
  return raw
}

/**
 * The sources sub-app.
 *
 * @since 0.1.0
 * @category routes
 */
export function sourcesRoutes(deps: Deps): Hono<AppEnv> {
  const { engine, settings } = deps
  const app = new Hono<AppEnv>()
  const read = requireScope(deps.tokens, "sources:read")
  const write = requireScope(deps.tokens, "sources:write")

  app.get("/", read, async (c) => c.json({ items: await call(engine, (e) => e.sources()) }))

  app.post("/", write, async (c) => {
    const body = await readJson(c, settings)
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ValidationError({
        code: "validation.failed",
        detail: "A source spec must be a JSON object",
        errors: [{ path: "", message: "must be an object with type and name" }]
      })
    }
    const change = await call(engine, (e) => e.addSource(body as { type: string; name: string }))
    c.header("location", `/sources/${encodeURIComponent(change.source.name)}`)
    return c.json(change.source, change.created ? 201 : 200)
  })

  app.get("/:name", read, async (c) => {
    const name = sourceName(c.req.param("name"))
    return c.json(await call(engine, (e) => e.source(name)))
  })

  app.delete("/:name", write, async (c) => {
    const name = sourceName(c.req.param("name"))
    await call(engine, (e) => e.removeSource(name))
    return c.body(null, 204)
  })

  // `/sources/{name}:refresh` (AIP-136 custom method): one path segment.
  app.post("/:action", write, async (c) => {
    const action = c.req.param("action")
    if (!action.endsWith(":refresh")) {
      throw new HttpError("method.not.allowed", "POST is not allowed on a source; use POST /sources/{name}:refresh", {
        headers: { allow: "GET, DELETE" }
      })
    }
    const name = sourceName(action.slice(0, -":refresh".length))
    return c.json(await call(engine, (e) => e.refreshSource(name)))
  })

  return app
}
