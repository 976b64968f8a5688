/**
 * @module
 * The event journal. Appending is the store's hot path (runs append log
 * lines in batches of about a thousand): a batch is one `UPDATE … RETURNING`
 * that reserves its ids under the `journal_head` row lock, and one INSERT
 * from arrays (`unnest`), whatever its size — no per-row statements, no
 * limit on bound parameters.
 */
import type { NewEvent, RunEvent } from "../../../core/mod.ts"
import type { Sql, Tx } from "./_client.ts"

const DEFAULT_LIMIT = 1000

interface EventRow {
  readonly id: string
  readonly run_id: string | null
  readonly type: string
  readonly at: string
  readonly data: string
}

function toEvent(row: EventRow): RunEvent {
  return {
    id: Number(row.id),
    run_id: row.run_id,
    type: row.type as RunEvent["type"],
    at: row.at,
    data: JSON.parse(row.data)
  }
}

/**
 * Journals `events` in order inside the caller's transaction and returns
 * them with their ids. The row lock taken here is held to the commit, so a
 * concurrent appender waits and gets larger ids that commit later.
 */
export async function append(tx: Tx, events: ReadonlyArray<NewEvent>): Promise<ReadonlyArray<RunEvent>> {
  const [{ last_id }] = await tx<Array<{ last_id: string }>>`
    UPDATE journal_head SET last_id = last_id + ${events.length}::int RETURNING last_id`
  const first = Number(last_id) - events.length + 1
  const out = events.map((event, i): RunEvent => ({
    id: first + i,
    run_id: event.run_id ?? null,
    type: event.type,
    at: event.at,
    data: event.data ?? {}
  }))
  await tx`
    INSERT INTO events (id, run_id, type, at, data)
    SELECT id, run_id, type, at, data::json
    FROM unnest(
      ${out.map((e) => String(e.id))}::bigint[], ${out.map((e) => e.run_id)}::text[],
      ${out.map((e) => e.type)}::text[], ${out.map((e) => e.at)}::text[], ${out.map((e) => JSON.stringify(e.data))}::text[]
    ) AS batch (id, run_id, type, at, data)`
  return out
}

/** Events after `after`, of one run or all, in id order. */
export async function list(
  sql: Sql,
  query: { readonly run_id?: string; readonly after?: number; readonly limit?: number }
): Promise<ReadonlyArray<RunEvent>> {
  const after = query.after ?? 0
  const limit = query.limit === undefined || !Number.isFinite(query.limit) ? DEFAULT_LIMIT : Math.min(2_147_483_647, Math.max(1, Math.floor(query.limit)))
  const rows = query.run_id === undefined
    ? await sql<Array<EventRow>>`
        SELECT id, run_id, type, at, data::text AS data FROM events
        WHERE id > ${after}::bigint ORDER BY id LIMIT ${limit}::int`
    : await sql<Array<EventRow>>`
        SELECT id, run_id, type, at, data::text AS data FROM events
        WHERE run_id = ${query.run_id} AND id > ${after}::bigint ORDER BY id LIMIT ${limit}::int`
  return rows.map(toEvent)
}

/** The newest id handed out by a committed append, 0 for an empty journal. */
export async function latest(sql: Sql): Promise<number> {
  const [{ last_id }] = await sql<Array<{ last_id: string }>>`SELECT last_id FROM journal_head`
  return Number(last_id)
}
