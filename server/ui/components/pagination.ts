/**
 * @module
 * Pagination links for cursor-paged lists: plain links, so they work
 * without JavaScript.
 */
import { html, type Html } from "../html.ts"

/** Where the neighbouring pages are; absent means there is none. */
export interface PageLinks {
  readonly first?: string
  readonly next?: string
}

/**
 * `<nav aria-label="Pagination">` with "First page" and "Next page" links.
 * Cursor pages cannot go back one page, only to the start.
 *
 * @since 0.1.0
 * @category components
 */
export function pagination(links: PageLinks): Html {
  if (links.first === undefined && links.next === undefined) return html``
  return html`<nav class="pagination" aria-label="Pagination">${
    links.first !== undefined ? html`<a href="${links.first}">First page</a>` : ""
  }${links.next !== undefined ? html`<a href="${links.next}" rel="next">Next page</a>` : ""}</nav>`
}

/**
 * A URL of the current path with some query parameters set or removed
 * (undefined removes), for filter and page links.
 *
 * @since 0.1.0
 * @category components
 */
export function withQuery(url: string, changes: Readonly<Record<string, string | undefined>>): string {
  const u = new URL(url, "http://x")
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === "") u.searchParams.delete(k)
    else u.searchParams.set(k, v)
  }
  const q = u.searchParams.toString()
  return q === "" ? u.pathname : `${u.pathname}?${q}`
}
