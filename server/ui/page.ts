/**
 * @module
 * The helpers every console page uses. A page module builds a Hono sub-app
 * from `Deps` and, per route:
 *
 * ```ts
 * app.get("/", requirePageScope("runs:read"), async (c) => {
 *   const page = await call(deps.engine, (e) => e.runs({}))
 *   return render(c, { title: "Runs", body: html`<h1>Runs</h1>…` })
 * })
 * app.post("/:id/cancel", actionGuard("runs:write"), async (c) => {
 *   await call(deps.engine, (e) => e.cancel(c.req.param("id")))
 *   return c.redirect(`/ui/runs/${encodeURIComponent(c.req.param("id"))}`, 303)
 * })
 * ```
 *
 * Errors thrown by a handler (engine errors, `HttpError`s) become an HTML
 * problem page with the API's status (`uiRoutes` installs that handler).
 */
import type { Context, MiddlewareHandler } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import type { Scope } from "../auth/tokens.ts"
import type { AppEnv, Session } from "../context.ts"
import { sameSecret } from "../middleware/auth.ts"
import { html, type Html } from "./html.ts"
import { layout } from "./layout.ts"
import { forbiddenPage } from "./pages/forbidden.ts"

/** What `render` needs besides the context. */
export interface PageOptions {
  /** The page's name: the `<title>` is "<title> · flwd". Give the page its own `<h1>` in `body`. */
  readonly title: string
  readonly body: Html
  /** Asset file names of ES modules to load, from `server/ui/assets/` (`["live-log.js"]`). */
  readonly scripts?: ReadonlyArray<string>
  /** Default 200; a form re-rendered with its problem takes the API's status. */
  readonly status?: ContentfulStatusCode
}

/**
 * Renders a page in the layout (navigation for the session's scopes, CSRF
 * meta, stylesheet). Security headers are added by `uiRoutes` for every
 * `/ui` response.
 *
 * @since 0.1.0
 * @category pages
 */
export function render(c: Context<AppEnv>, o: PageOptions): Response | Promise<Response> {
  return c.html(layout({ title: o.title, path: c.req.path, session: c.get("session"), body: o.body, scripts: o.scripts }), o.status ?? 200)
}

/**
 * The session of a page request. Only call it behind `requirePageScope` or
 * `actionGuard`, which guarantee there is one.
 *
 * @since 0.1.0
 * @category pages
 */
export function sessionOf(c: Context<AppEnv>): Session {
  const session = c.get("session")
  if (session === undefined) throw new Error("sessionOf() needs requirePageScope or actionGuard before it")
  return session
}

/**
 * Whether the request's session holds `scope`: use it to leave out buttons
 * and sections (a token without `runs:write` sees no Run button). The action
 * route still checks, with `actionGuard`.
 *
 * @since 0.1.0
 * @category pages
 */
export function hasScope(c: Context<AppEnv>, scope: Scope): boolean {
  return c.get("session")?.scopes.has(scope) ?? false
}

/** `303` to the sign-in page, coming back here afterwards. */
function toLogin(c: Context<AppEnv>): Response {
  const url = new URL(c.req.url)
  return c.redirect(`/ui/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303)
}

/**
 * Page guard: without a session, `303 /ui/login?next=<this page>`; with a
 * session lacking `scope`, the 403 page naming it. No scope: any session.
 *
 * @since 0.1.0
 * @category pages
 */
export function requirePageScope(scope?: Scope): MiddlewareHandler<AppEnv> {
  return async function requirePageScope(c, next) {
    const session = c.get("session")
    if (session === undefined) return toLogin(c)
    if (scope !== undefined && !session.scopes.has(scope)) return forbiddenPage(c, { scope })
    c.set("scopes", session.scopes)
    await next()
  }
}

/**
 * The hidden `_csrf` field every console form must carry (`actionGuard`
 * refuses a form without it).
 *
 * @since 0.1.0
 * @category pages
 * @example
 * ```ts
 * html`<form method="post" action="/ui/runs/${id}/cancel">${csrfField(c)}<button>Cancel</button></form>`
 * ```
 */
export function csrfField(c: Context<AppEnv>): Html {
  const session = c.get("session")
  return session === undefined ? html`` : html`<input type="hidden" name="_csrf" value="${session.csrf}">`
}

/**
 * Guard of a form action (`POST /ui/...`): a session (else `303` to sign
 * in), the form's `_csrf` equal to the session's (else the 403 page, code
 * `auth.csrf.invalid`), and `scope` (else the 403 page naming it). The
 * parsed form is then `await c.req.parseBody()` (Hono caches it).
 *
 * @since 0.1.0
 * @category pages
 */
export function actionGuard(scope?: Scope): MiddlewareHandler<AppEnv> {
  return async function actionGuard(c, next) {
    const session = c.get("session")
    if (session === undefined) return toLogin(c)
    const form = await c.req.parseBody({ all: true })
    const presented = form._csrf
    if (typeof presented !== "string" || !sameSecret(presented, session.csrf)) return forbiddenPage(c, { csrf: true })
    if (scope !== undefined && !session.scopes.has(scope)) return forbiddenPage(c, { scope })
    c.set("scopes", session.scopes)
    await next()
  }
}
