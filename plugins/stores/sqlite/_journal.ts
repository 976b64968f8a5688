/**
 * @module
 * The event journal table. Runs append log lines in batches of about a
 * thousand, so appending is the store's hot path: rows go in through
 * multi-row INSERTs, which cost far fewer calls into SQLite than one INSERT
 * per row (roughly twice the throughput for small events).
 */
import type { NewEvent, RunEvent } from "../../../core/mod.ts"
import type { Database, Param, Row, Statement } from "./_database.ts"

/** Rows per INSERT, largest first; any count is a sum of these. */
const CHUNKS = [100, 10, 1]

const DEFAULT_LIMIT = 1000

/** @internal */
export interface Journal {
  /** Inserts `events` in order; the caller holds the write transaction. */
  readonly append: (events: ReadonlyArray<NewEvent>) => ReadonlyArray<RunEvent>
  readonly list: (query: { readonly run_id?: string; readonly after?: number; readonly limit?: number }) => ReadonlyArray<RunEvent>
  readonly latest: () => number
}

function toEvent(row: Row): RunEvent {
  return {
    id: Number(row.id),
    run_id: (row.run_id as string | null) ?? null,
    type: row.type as RunEvent["type"],
    at: row.at as string,
    data: JSON.parse(row.data as string)
  }
}

/** @internal */
export function makeJournal(db: Database): Journal {
  const inserts = new Map<number, Statement>(CHUNKS.map((rows) => [
    rows,
    db.statement(`INSERT INTO events (run_id, type, at, data) VALUES ${Array(rows).fill("(?, ?, ?, ?)").join(", ")}`)
  ]))
  const all = db.statement("SELECT id, run_id, type, at, data FROM events WHERE id > ? ORDER BY id LIMIT ?")
  const newest = db.statement("SELECT COALESCE(MAX(id), 0) AS id FROM events")
  const ofRun = db.statement(
    "SELECT id, run_id, type, at, data FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?"
  )

  const append = (events: ReadonlyArray<NewEvent>): ReadonlyArray<RunEvent> => {
    const out: Array<RunEvent> = []
    let start = 0
    while (start < events.length) {
      const rows = CHUNKS.find((size) => size <= events.length - start)!
      const params: Array<Param> = []
      for (let i = start; i < start + rows; i++) {
        const event = events[i]
        params.push(event.run_id ?? null, event.type, event.at, JSON.stringify(event.data ?? {}))
      }
      const { lastId } = inserts.get(rows)!.run(...params)
      // One statement inside our write transaction: AUTOINCREMENT gives its
      // rows consecutive ids (each is the largest id so far plus one), in
      // VALUES order, ending at the last inserted rowid.
      for (let i = 0; i < rows; i++) {
        const event = events[start + i]
        out.push({ id: lastId - rows + 1 + i, run_id: event.run_id ?? null, type: event.type, at: event.at, data: event.data ?? {} })
      }
      start += rows
    }
    return out
  }

  return {
    append,
    latest: () => Number((newest.get() as { id: number | bigint }).id),
    list: (query) => {
      const after = query.after ?? 0
      const limit = query.limit === undefined || !Number.isFinite(query.limit) ? DEFAULT_LIMIT : Math.max(1, Math.floor(query.limit))
      const rows = query.run_id === undefined ? all.all(after, limit) : ofRun.all(query.run_id, after, limit)
      return rows.map(toEvent)
    }
  }
}
