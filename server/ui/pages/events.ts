/**
 * @module
 * `/ui/events`: the journal, newest first, filtered by type (`?type=` a
 * group such as `source.*` or one type such as `source.added`; a select
 * that works without JavaScript), 50 a page with an "Older" link
 * (`?before=<id>`). With JavaScript, `assets/live-events.js` follows
 * `GET /events` (SSE, the session cookie) and prepends new rows that match
 * the filter. Needs events:read.
 */
import { Hono } from "hono"
import type { AppEnv, Deps } from "../../context.ts"
import { pagination, withQuery } from "../components/pagination.ts"
import { eventFilter, eventGroups, eventRow, singleTypes } from "../event-view.ts"
import { html } from "../html.ts"
import { recentEvents } from "../journal.ts"
import { render, requirePageScope } from "../page.ts"

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`

/**
 * The events sub-app, mounted at `/ui/events`.
 *
 * @since 0.1.0
 * @category pages
 */
export function eventsPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get("/", requirePageScope("events:read"), async (c) => {
    const filter = eventFilter(c.req.query("type"))
    const beforeText = c.req.query("before")
    const before = beforeText !== undefined && /^[1-9]\d{0,15}$/.test(beforeText) ? Number(beforeText) : undefined
    const page = await recentEvents(deps.engine, { keep: (e) => filter.keep(e.type), before })
    const here = c.req.url
    const now = Date.now()
    const body = html`<h1>Events</h1>
<form class="filters" method="get" action="/ui/events">
<label for="type">Type</label>
<select id="type" name="type">
${eventGroups.map((f) => option(f.value, f.label, filter.value))}
<optgroup label="One type">${singleTypes.map((t) => option(t, t, filter.value))}</optgroup>
</select>
<button type="submit">Filter</button>
</form>
<p id="live-status" class="muted" aria-live="polite">${before === undefined ? "New events appear at the top when JavaScript is on." : "An older page: new events are not added here."}</p>
<table class="list events" data-filter="${filter.value}"${before === undefined ? html` data-live="/events"` : ""}>
<caption class="visually-hidden">Journal events, newest first</caption>
<thead><tr><th scope="col">Id</th><th scope="col">When</th><th scope="col">Type</th><th scope="col">Run</th><th scope="col">Summary</th></tr></thead>
<tbody id="event-rows">${page.items.map((e) => eventRow(e, now))}</tbody>
</table>
${page.items.length === 0 ? html`<p class="empty">No events${filter.value !== "" ? " of this type" : ""} yet.</p>` : ""}
${pagination({
      first: before !== undefined ? withQuery(here, { before: undefined }) : undefined,
      next: page.before !== null && page.items.length > 0 ? withQuery(here, { before: String(page.before) }) : undefined
    })}`
    return render(c, { title: "Events", body, scripts: ["live-events.js"] })
  })
  return app
}
