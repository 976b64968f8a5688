/**
 * @module
 * Signing in and out. `GET /ui/login` shows the form (the token in a
 * password field); `POST /ui/login` checks the token against the same table
 * as the API, creates a session, sets its cookie and answers `303` to
 * `next` (a console path) or `/ui/`. A wrong token is a 401 with the form
 * again and a message, never the token. `POST /ui/logout` (CSRF-checked)
 * ends the session and expires the cookie.
 */
import { Hono } from "hono"
import type { Context } from "hono"
import type { AppEnv, Deps } from "../../context.ts"
import { problemBox } from "../components/problem-box.ts"
import { html } from "../html.ts"
import { layout } from "../layout.ts"
import { actionGuard } from "../page.ts"
import { clearSessionCookie, safeNext, setSessionCookie } from "../session.ts"

function loginPage(c: Context<AppEnv>, next: string, failed: boolean): Response | Promise<Response> {
  const body = html`<h1>Sign in</h1>
${failed ? problemBox({ code: "auth.invalid", title: "Invalid token", status: 401, detail: "That token is not valid here.", fix: "Check the token (FLWD_TOKENS or the tokens of flwd.yaml on the server) and try again." }) : ""}
<form class="login" method="post" action="/ui/login">
<input type="hidden" name="next" value="${next}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus aria-describedby="token-hint">
<p class="hint" id="token-hint">The same bearer token and scopes as the HTTP API. Sessions last 12 hours and end when the server restarts.</p>
<button type="submit">Sign in</button>
</form>`
  return c.html(layout({ title: "Sign in", path: c.req.path, session: undefined, body }), failed ? 401 : 200)
}

/**
 * `/login` and `/logout`, mounted under `/ui`.
 *
 * @since 0.1.0
 * @category pages
 */
export function loginRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/login", (c) => {
    const next = safeNext(c.req.query("next"))
    // Already signed in: nothing to ask.
    if (c.get("session") !== undefined) return c.redirect(next, 303)
    return loginPage(c, next, false)
  })
  app.post("/login", async (c) => {
    // A cross-site form must not sign a browser into someone else's session.
    if (c.req.header("sec-fetch-site") === "cross-site") return c.text("Cross-site sign-in refused", 403)
    const form = await c.req.parseBody()
    const next = safeNext(typeof form.next === "string" ? form.next : undefined)
    const token = typeof form.token === "string" ? form.token.trim() : ""
    const scopes = token === "" ? null : deps.tokens.verify(token)
    if (scopes === null) return loginPage(c, next, true)
    const old = c.get("session")
    if (old !== undefined) deps.sessions.delete(old.id)
    setSessionCookie(c, deps.sessions.create(scopes), deps.settings.loopback)
    return c.redirect(next, 303)
  })
  app.post("/logout", actionGuard(), (c) => {
    const session = c.get("session")
    if (session !== undefined) deps.sessions.delete(session.id)
    clearSessionCookie(c, deps.settings.loopback)
    return c.redirect("/ui/login", 303)
  })
  return app
}
