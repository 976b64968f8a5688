/**
 * @module
 * The one error mapping of the server: every thrown error (the engine's
 * tagged errors, `HttpError`s, anything else) becomes an RFC 9457 problem
 * response; unknown routes are 404 `route.not.found`, known routes asked
 * with another method 405 `method.not.allowed` with an `Allow` header.
 */
import type { Context, ErrorHandler, Hono, NotFoundHandler } from "hono"
import { isProblem } from "../../core/mod.ts"
import type { AppEnv } from "../context.ts"
import { HttpError, problemResponse } from "../problem.ts"

/**
 * Maps errors to problem responses. Unknown throws are logged with their
 * stack through `log` and answered with `internal`, never the stack.
 *
 * @since 0.1.0
 * @category middleware
 */
export function onProblem(log: (message: string) => void = (m) => console.error(m)): ErrorHandler<AppEnv> {
  return (error: unknown, c: Context<AppEnv>) => {
    if (!isProblem(error) || error.code === "internal") {
      log(`flwd: ${c.req.method} ${c.req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    }
    return problemResponse(error, c.req.path)
  }
}

// Hono path → regex: `:name{re}` keeps its pattern, `:name` is one segment, `*` anything.
function pathPattern(path: string): RegExp {
  let re = ""
  for (let i = 0; i < path.length;) {
    const rest = path.slice(i)
    const param = /^:[A-Za-z0-9_]+(\{((?:[^{}]|\{[^{}]*\})+)\})?/.exec(rest)
    if (param !== null) {
      re += param[2] !== undefined ? `(?:${param[2]})` : "[^/]+"
      i += param[0].length
    } else if (rest[0] === "*") {
      re += ".*"
      i++
    } else {
      re += rest[0].replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      i++
    }
  }
  return new RegExp(`^${re.replace(/\/$/, "")}/?$`)
}

/**
 * Answers requests no route took: 405 when the path exists under another
 * method, else 404.
 *
 * @since 0.1.0
 * @category middleware
 */
export function onNotFound(app: Hono<AppEnv>): NotFoundHandler<AppEnv> {
  let table: ReadonlyArray<{ readonly pattern: RegExp; readonly method: string }> | undefined
  return (c) => {
    table ??= app.routes.filter((r) => r.method !== "ALL").map((r) => ({ pattern: pathPattern(r.path), method: r.method }))
    c.set("unmatched", true)
    const methods = [...new Set(table.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method))]
    // A path that matches only loosely under its own method (an empty `{id}`) is simply not there.
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      if (methods.includes("GET")) methods.push("HEAD")
      const allow = methods.join(", ")
      return problemResponse(
        new HttpError("method.not.allowed", `${c.req.method} is not allowed here; allowed: ${allow}`, { headers: { allow } }),
        c.req.path
      )
    }
    return problemResponse(new HttpError("route.not.found", `No route for ${c.req.method} ${c.req.path}`), c.req.path)
  }
}
