/**
 * @module
 * Helpers of the console tests: signing in through `POST /ui/login` (in
 * process or over a socket), the session's cookie and CSRF token, and a
 * scan of a page's markup for what the Content-Security-Policy forbids.
 */
import type { Hono } from "hono"

/** Anything that answers a Request: `app.request` or `fetch` against a server. */
export type Requester = (path: string, init?: RequestInit) => Promise<Response>

/** An app in process as a `Requester`. */
export const inProcess = (app: Hono<any>): Requester => (path, init) => Promise.resolve(app.request(path, init))

/** A server over a socket as a `Requester` (redirects are not followed). */
export const overSocket = (url: string): Requester => (path, init) => fetch(new URL(path, url), { redirect: "manual", ...init })

/** A signed-in session: the cookie header to send and the CSRF token of its pages. */
export interface SignedIn {
  readonly cookie: string
  readonly csrf: string
  readonly setCookie: string
}

/** Posts the sign-in form with `token`; the raw response. */
export function postLogin(request: Requester, token: string, next?: string): Promise<Response> {
  const body = new URLSearchParams({ token, ...(next !== undefined ? { next } : {}) })
  return request("/ui/login", { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } })
}

/** Signs in with `token` and reads the CSRF token from the overview's meta tag. */
export async function signIn(request: Requester, token = "all"): Promise<SignedIn> {
  const response = await postLogin(request, token)
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`)
  const setCookie = response.headers.get("set-cookie") ?? ""
  const cookie = setCookie.split(";")[0]
  const page = await (await request("/ui/", { headers: { cookie } })).text()
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1]
  if (csrf === undefined) throw new Error("no csrf-token meta on the overview")
  return { cookie, csrf, setCookie }
}

/** Everything in a page that a strict CSP would block: inline scripts, `style=` and `on*=` attributes, inline `<style>`. */
export function inlineViolations(page: string): Array<string> {
  const found: Array<string> = []
  for (const m of page.matchAll(/<script\b([^>]*)>/gi)) if (!/\ssrc\s*=/.test(m[1])) found.push(`inline script: ${m[0]}`)
  for (const m of page.matchAll(/<[a-z][a-z0-9-]*\b[^>]*>/gi)) {
    const attrs = m[0].replace(/"[^"]*"|'[^']*'/g, '""')
    if (/\sstyle\s*=/i.test(attrs)) found.push(`style attribute: ${m[0]}`)
    if (/\son[a-z]+\s*=/i.test(attrs)) found.push(`event handler attribute: ${m[0]}`)
  }
  if (/<style\b/i.test(page)) found.push("inline <style>")
  return found
}

/** The `src` of every script a page loads. */
export function scriptSources(page: string): Array<string> {
  return [...page.matchAll(/<script\b[^>]*\ssrc="([^"]+)"/gi)].map((m) => m[1].replaceAll("&amp;", "&"))
}
