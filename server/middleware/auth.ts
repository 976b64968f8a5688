/**
 * @module
 * Bearer authentication with scopes (RFC 6750). A missing token is
 * `auth.required`, an unknown one `auth.invalid` (both 401 with a
 * `WWW-Authenticate` challenge), a token without the scope the route needs
 * `auth.scope.missing` (403, naming the scope).
 *
 * The console's session cookie is accepted as well: the bearer header wins
 * when present; otherwise a live session stands in for the token, and an
 * unsafe method must then carry the session's CSRF token in `x-csrf-token`
 * (`auth.csrf.invalid`, 403), since a browser sends the cookie by itself.
 */
import { timingSafeEqual } from "node:crypto"
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
    const header = c.req.header("authorization")
    const session = header === undefined ? c.get("session") : undefined
    let granted: ReadonlySet<Scope> | null
    if (session !== undefined) {
      if (isUnsafe(c.req.method) && !sameSecret(c.req.header("x-csrf-token"), session.csrf)) {
        throw new HttpError("auth.csrf.invalid", "A request authenticated by the session cookie needs the session's x-csrf-token header", {
          errors: [{ path: "x-csrf-token", message: "missing or not this session's token" }]
        })
      }
      granted = session.scopes
    } else {
      granted = tokens.verify(bearer(header))
    }
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

/** Methods that change state: a cookie-authenticated one needs the CSRF token. */
export function isUnsafe(method: string): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS"
}

/**
 * Compares a presented secret with the expected one in constant time (for
 * equal lengths; a length mismatch says nothing about the content).
 *
 * @since 0.1.0
 * @category middleware
 */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false
  const a = Buffer.from(presented, "utf8")
  const b = Buffer.from(expected, "utf8")
  return a.length === b.length && timingSafeEqual(a, b)
}
