/**
 * @module
 * The page frame every console page shares: document head (title
 * "<Page> · flwd", the stylesheet, the CSRF meta the live parts read), a
 * skip link, the header with the navigation (only links the session's
 * scopes open), the signed-in scopes and the sign-out form, and `<main>`.
 * The empty icon spares browsers a `/favicon.ico` request that would 404.
 */
import type { Scope } from "../auth/tokens.ts"
import type { Session } from "../context.ts"
import { assetUrl } from "./assets.ts"
import { html, type Html } from "./html.ts"

/** The navigation: label, path, and the scope the page needs (none: any session). */
export const navItems: ReadonlyArray<{ readonly label: string; readonly href: string; readonly scope?: Scope }> = [
  { label: "Overview", href: "/ui/" },
  { label: "Sources", href: "/ui/sources", scope: "sources:read" },
  { label: "Jobs", href: "/ui/jobs", scope: "jobs:read" },
  { label: "Runs", href: "/ui/runs", scope: "runs:read" },
  { label: "Events", href: "/ui/events", scope: "events:read" }
]

/** What a page puts into the frame. */
export interface LayoutOptions {
  /** The page's name, before " · flwd". */
  readonly title: string
  /** The request path, to mark the current navigation link. */
  readonly path: string
  /** Undefined on the sign-in page: no navigation then. */
  readonly session: Session | undefined
  readonly body: Html
  /** Asset file names of ES modules the page loads (`live-events.js`). */
  readonly scripts?: ReadonlyArray<string>
}

function current(path: string, href: string): boolean {
  return href === "/ui/" ? path === "/ui" || path === "/ui/" : path === href || path.startsWith(`${href}/`)
}

function header(path: string, session: Session): Html {
  const links = navItems.filter((n) => n.scope === undefined || session.scopes.has(n.scope))
  return html`<header class="top">
<a class="brand" href="/ui/">flwd</a>
<nav aria-label="Main"><ul>${links.map((n) => html`<li><a href="${n.href}"${current(path, n.href) ? html` aria-current="page"` : ""}>${n.label}</a></li>`)}</ul></nav>
<div class="who">
<details><summary>Signed in</summary><p>Scopes: ${[...session.scopes].sort().map((s) => html`<code>${s}</code> `)}</p></details>
<form method="post" action="/ui/logout"><input type="hidden" name="_csrf" value="${session.csrf}"><button type="submit">Sign out</button></form>
</div>
</header>`
}

/**
 * The whole document.
 *
 * @since 0.1.0
 * @category components
 */
export function layout(o: LayoutOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · flwd</title>
${o.session !== undefined ? html`<meta name="csrf-token" content="${o.session.csrf}">` : ""}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl("console.css")}">
${(o.scripts ?? []).map((s) => html`<script type="module" src="${assetUrl(s)}"></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${o.session !== undefined ? header(o.path, o.session) : html`<header class="top"><span class="brand">flwd</span></header>`}
<main id="main" tabindex="-1">
${o.body}
</main>
</body>
</html>`
}
