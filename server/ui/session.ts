/**
 * @module
 * Console sessions. Signing in posts a bearer token to `POST /ui/login`; a
 * valid one creates a session (32 random bytes, base64url) that holds the
 * token's scopes and a CSRF token, and sets the cookie
 * `flwd_session=<id>; HttpOnly; SameSite=Strict; Path=/` (plus `Secure` off
 * loopback). Sessions live in the server's memory: at most 10,000, the
 * oldest evicted first, each for 12 hours at most; a restart signs everyone
 * out. The token itself is never stored or echoed.
 */
import { randomBytes } from "node:crypto"
import type { MiddlewareHandler } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import type { Context } from "hono"
import type { Scope } from "../auth/tokens.ts"
import type { AppEnv, Session, SessionStore } from "../context.ts"

/** The cookie's name. */
export const SESSION_COOKIE = "flwd_session"

/** Sessions kept at most; the oldest goes first. */
export const MAX_SESSIONS = 10_000

/** A session's absolute lifetime: 12 hours, whatever the activity. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000

/** Options of `makeSessionStore`; each documents its default. */
export interface SessionStoreOptions {
  /** Default 10,000. */
  readonly max?: number
  /** Default 12 h. */
  readonly ttlMs?: number
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: () => number
}

const secret = (): string => randomBytes(32).toString("base64url")

/**
 * An in-memory session store. A `Map` keeps insertion order, so the first
 * key is always the oldest session: eviction is O(1).
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const max = options.max ?? MAX_SESSIONS
  const ttl = options.ttlMs ?? SESSION_TTL_MS
  const now = options.now ?? Date.now
  const sessions = new Map<string, Session>()
  return {
    create: (scopes) => {
      while (sessions.size >= max) sessions.delete(sessions.keys().next().value!)
      const session: Session = { id: secret(), scopes: new Set(scopes), csrf: secret(), expires: now() + ttl }
      sessions.set(session.id, session)
      return session
    },
    get: (id) => {
      const session = sessions.get(id)
      if (session === undefined) return undefined
      if (session.expires <= now()) {
        sessions.delete(id)
        return undefined
      }
      return session
    },
    delete: (id) => void sessions.delete(id),
    size: () => sessions.size
  }
}

/**
 * Resolves the request's `flwd_session` cookie into `c.var.session`, for
 * `requireScope` (API) and the console pages. An unknown or expired id is
 * simply no session.
 *
 * @since 0.1.0
 * @category middleware
 */
export function sessionCookie(store: SessionStore): MiddlewareHandler<AppEnv> {
  return async function sessionCookie(c, next) {
    const id = getCookie(c, SESSION_COOKIE)
    c.set("session", id === undefined || id === "" ? undefined : store.get(id))
    await next()
  }
}

/** Sets the session cookie: `Secure` unless the server listens on loopback only (plain http there). */
export function setSessionCookie(c: Context<AppEnv>, session: Session, loopback: boolean): void {
  setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: "Strict", path: "/", ...(loopback ? {} : { secure: true }) })
}

/** Expires the session cookie in the browser. */
export function clearSessionCookie(c: Context<AppEnv>, loopback: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: "Strict", path: "/", ...(loopback ? {} : { secure: true }) })
}

/**
 * Where to go after signing in: `next` when it is a console path (`/ui/…`,
 * not `//host` nor `/\\host`, no control characters), else `/ui/`. Anything
 * else could send a freshly signed-in user to another site.
 */
export function safeNext(next: string | undefined): string {
  if (next === undefined) return "/ui/"
  // deno-lint-ignore no-control-regex
  if (!next.startsWith("/ui/") || /[\\\u0000-\u001f\u007f]/.test(next) || next.includes("//")) return "/ui/"
  return next
}

/** The scopes a session holds, in a stable order for display. */
export function sortedScopes(scopes: ReadonlySet<Scope>): ReadonlyArray<Scope> {
  return [...scopes].sort()
}
