/**
 * @module
 * Tag listing with pagination: `GET /v2/<name>/tags/list?n=<page>` and the
 * RFC 8288 `Link: <…>; rel="next"` header (distribution spec "Listing Tags").
 */
import { RegistryError } from "../errors.ts"
import { headerValues, readBounded } from "./_http.ts"
import { pullScope, type RepoContext, repoUrl } from "./_repo.ts"
import { errorFromResponse } from "./response-error.ts"

/** The `rel="next"` target of `Link` headers, if any. @since 0.1.0 @category utils */
export function nextLink(values: ReadonlyArray<string>): string | undefined {
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>(.*)$/.exec(part)
      if (m !== null && /;\s*rel="?next"?/i.test(m[2])) return m[1]
    }
  }
  return undefined
}

/**
 * All tags of a repository, page by page.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function listTags(
  ctx: RepoContext,
  options: { readonly pageSize?: number; readonly maxPages?: number; readonly maxBytes?: number } = {}
): Promise<ReadonlyArray<string>> {
  const tags: Array<string> = []
  let url: URL | undefined = repoUrl(ctx, "tags/list")
  url.searchParams.set("n", String(options.pageSize ?? 1000))
  for (let page = 0; url !== undefined; page++) {
    if (page >= (options.maxPages ?? 1000)) {
      throw new RegistryError({ reason: "protocol", detail: `tag list has more than ${options.maxPages ?? 1000} pages`, ref: ctx.name })
    }
    const res = await ctx.transport({ method: "GET", url, kind: "tags", scopes: pullScope(ctx), signal: ctx.signal })
    if (res.status !== 200) throw await errorFromResponse(res, "tag list", ctx.name)
    const link = nextLink(headerValues(res, "link"))
    const body = await readBounded(res, options.maxBytes ?? 4 * 1024 * 1024, ctx.name)
    let parsed: { tags?: unknown }
    try {
      parsed = JSON.parse(body.toString("utf8"))
    } catch (e) {
      throw new RegistryError({ reason: "protocol", detail: "tag list is not valid JSON", ref: ctx.name, cause: e })
    }
    if (parsed.tags !== null && parsed.tags !== undefined) {
      if (!Array.isArray(parsed.tags)) throw new RegistryError({ reason: "protocol", detail: "tag list without a tags array", ref: ctx.name })
      for (const t of parsed.tags) if (typeof t === "string") tags.push(t)
    }
    // The next page stays on the registry; a Link elsewhere is ignored.
    const next: URL | undefined = link !== undefined ? new URL(link, url) : undefined
    url = next !== undefined && next.origin === ctx.base.origin ? next : undefined
  }
  return tags
}
