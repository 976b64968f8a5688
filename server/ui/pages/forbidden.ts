/**
 * @module
 * The 403 page: a signed-in session lacking the scope a page or action
 * needs (named, as the API's `auth.scope.missing` does), or a form sent
 * without this session's CSRF token (`auth.csrf.invalid`).
 */
import type { Context } from "hono"
import type { Scope } from "../../auth/tokens.ts"
import type { AppEnv } from "../../context.ts"
import { problemBox } from "../components/problem-box.ts"
import { html } from "../html.ts"
import { layout } from "../layout.ts"

/** Why the request is refused. */
export type Forbidden = { readonly scope: Scope } | { readonly csrf: true }

/**
 * Answers 403 with the page.
 *
 * @since 0.1.0
 * @category pages
 */
export function forbiddenPage(c: Context<AppEnv>, why: Forbidden): Response | Promise<Response> {
  const problem = "scope" in why
    ? {
      code: "auth.scope.missing",
      title: "Token lacks a required scope",
      detail: `This page needs the scope ${why.scope}, which your token does not hold.`,
      errors: [{ path: "scope", message: `requires ${why.scope}` }],
      fix: `Sign out and sign in with a token that holds ${why.scope}.`
    }
    : {
      code: "auth.csrf.invalid",
      title: "Missing or wrong CSRF token",
      detail: "The form was not sent from this session's page, so it was not acted on.",
      fix: "Reload the page and send the form again."
    }
  const body = html`<h1>Not allowed</h1>${problemBox({ ...problem, status: 403 })}<p><a href="/ui/">Back to the overview</a></p>`
  return c.html(layout({ title: "Not allowed", path: c.req.path, session: c.get("session"), body }), 403)
}
