/**
 * @module
 * Bearer authentication with scopes (RFC 6750). A missing token is
 * `auth.required`, an unknown one `auth.invalid` (both 401 with a
 * `WWW-Authenticate` challenge), a token without the scope the route needs
 * `auth.scope.missing` (403, naming the scope).
 */
import type { MiddlewareHandler } from "hono"
import type { Scope, TokenTable } from "../auth/tokens.ts"
import type { AppEnv } from "../context.ts"
import { HttpError } from "../problem.ts"

const CHALLENGE = 'Bearer realm="flwd"'

/** Reads the bearer token of a request, or throws the 401. */
export function bearer(header: string | undefined): string {
  if (header === undefined || header.trim() === "") {
    throw new HttpError("auth.required", "This endpoint needs an Authorization: Bearer <token> header", {
      headers: { "www-authenticate": CHALLENGE }
    })
  }
  const match = /^Bearer[ ]+([!-~]+)\s*$/i.exec(header)
  if (match === null) {
    throw new HttpError("auth.invalid", "The Authorization header must be: Bearer <token>", {
      headers: { "www-authenticate": CHALLENGE }
    })
  }
  return match[1]
}

/**
 * Requires a valid token holding `scope`; stores the token's scopes for the
 * handler (`policy:override` is checked there).
 *
 * @since 0.1.0
 * @category middleware
 * @example
 * ```ts
 * app.get("/jobs", requireScope(tokens, "jobs:read"), (c) => c.json([]))
 * ```
 */
export function requireScope(tokens: TokenTable, scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScope(c, next) {
    const token = bearer(c.req.header("authorization"))
    const granted = tokens.verify(token)
    if (granted === null) {
      throw new HttpError("auth.invalid", "The bearer token is not valid", { headers: { "www-authenticate": CHALLENGE } })
    }
    if (!granted.has(scope)) {
      throw new HttpError("auth.scope.missing", `The token lacks the scope ${scope}`, {
        errors: [{ path: "scope", message: `requires ${scope}` }],
        headers: { "www-authenticate": `${CHALLENGE}, error="insufficient_scope", scope="${scope}"` }
      })
    }
    c.set("scopes", granted)
    await next()
  }
}
