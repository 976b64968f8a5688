/**
 * @module
 * Reading the event journal newest first, for the overview and the events
 * page. The engine reads the journal forwards from a cursor; this walks it
 * backwards in windows, keeping the events a filter wants, and stops after
 * a bounded scan so a journal full of log lines never makes a page slow.
 */
import type { RunEvent } from "../../core/mod.ts"
import type { EngineHandle } from "../../engine/handle.ts"
import { call } from "../engine-call.ts"

/** Events read per step back. */
const WINDOW = 500

/** Options of `recentEvents`; each documents its default. */
export interface RecentOptions {
  /** Which events to keep. Default: all. */
  readonly keep?: (event: RunEvent) => boolean
  /** How many to return at most. Default 50. */
  readonly limit?: number
  /** Only events with a smaller id (the next page). Default: from the newest. */
  readonly before?: number
  /** Journal entries looked at, at most. Default 20,000. */
  readonly maxScan?: number
}

/** A page of events, newest first. */
export interface RecentEvents {
  readonly items: ReadonlyArray<RunEvent>
  /** Pass as `before` for the next (older) page; null when the journal's start was reached. */
  readonly before: number | null
}

/**
 * The newest events the filter keeps.
 *
 * @since 0.1.0
 * @category pages
 */
export async function recentEvents(engine: EngineHandle, o: RecentOptions = {}): Promise<RecentEvents> {
  const limit = o.limit ?? 50
  const keep = o.keep ?? (() => true)
  let cursor = o.before ?? (await call(engine, (e) => e.latestEventId)) + 1
  let scanned = 0
  const items: Array<RunEvent> = []
  while (cursor > 1 && items.length < limit && scanned < (o.maxScan ?? 20_000)) {
    const from = Math.max(0, cursor - 1 - WINDOW)
    const window = await call(engine, (e) => e.journal({ after: from, limit: WINDOW }))
    const older = window.filter((ev) => ev.id < cursor).reverse()
    scanned += older.length
    for (const ev of older) {
      if (items.length >= limit) {
        // Resume right after the last event taken.
        return { items, before: items[items.length - 1].id }
      }
      if (keep(ev)) items.push(ev)
    }
    cursor = from + 1
  }
  const before = cursor > 1 ? (items.length > 0 ? Math.min(items[items.length - 1].id, cursor) : cursor) : null
  return { items, before }
}
