/**
 * @module
 * Leases on named resources (an add-on's blobs and rootfs) that a
 * collector on any engine must leave alone while one is held. A lease
 * belongs to its store instance's owner: it ends when its time runs out,
 * when it is released, when the instance closes, or when the instance's
 * own lease in `owners` runs out (a killed engine). Expiry is judged by the
 * database's clock.
 */
import type { Sql } from "./_client.ts"

/** Takes or renews `owner`'s leases on `keys` for `ttlMs`, and drops expired ones. */
export async function hold(sql: Sql, owner: string, keys: ReadonlyArray<string>, ttlMs: number): Promise<void> {
  // One row per key: an upsert may not touch the same row twice.
  const unique = [...new Set(keys)]
  await sql.begin(async (tx) => {
    await tx`DELETE FROM leases WHERE expires_at < now()`
    if (unique.length === 0) return
    await tx`
      INSERT INTO leases (key, owner, expires_at)
      SELECT key, ${owner}, now() + ${Math.max(0, Math.floor(ttlMs))}::bigint * interval '1 millisecond'
      FROM unnest(${unique}::text[]) AS k (key)
      ON CONFLICT (key, owner) DO UPDATE SET expires_at = excluded.expires_at`
  })
}

/** Gives up `owner`'s leases on `keys`. */
export async function release(sql: Sql, owner: string, keys: ReadonlyArray<string>): Promise<void> {
  if (keys.length === 0) return
  await sql`DELETE FROM leases WHERE owner = ${owner} AND key = ANY(${[...keys]}::text[])`
}

/** The keys with a live lease held by a live owner, whoever it is. */
export async function held(sql: Sql): Promise<ReadonlyArray<string>> {
  const rows = await sql<Array<{ key: string }>>`
    SELECT DISTINCT l.key FROM leases l JOIN owners o ON o.id = l.owner
    WHERE l.expires_at > now() AND o.expires_at > now()
    ORDER BY l.key`
  return rows.map((row) => row.key)
}
