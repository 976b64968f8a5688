/**
 * @module
 * The markup type of the console. `html` (from `hono/html`) escapes every
 * interpolated value and keeps nested `html` results as they are; `raw()`
 * is only for markup built by us. A template holding a promise is itself a
 * promise, so fragments are typed as either.
 */
import type { HtmlEscapedString } from "hono/utils/html"

export { html, raw } from "hono/html"

/** A fragment of console markup, ready to interpolate into another. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>
