/**
 * @module
 * Leases on named resources (an add-on's blobs and rootfs) that a
 * collector must leave alone while any store instance on the file holds
 * one. A lease belongs to its instance's owner id: it ends when its time
 * runs out, when the instance releases it or closes, or when the
 * instance's process is gone. Every process on the file shares this host's
 * clock, which judges expiry.
 */
import { StoreError } from "../../../core/mod.ts"
import type { Database } from "./_database.ts"
import { openOwners, ownerAlive } from "./_owner.ts"

/** Keys name files (digests, paths): anything longer is not one. */
const MAX_KEY = 1024

/**
 * `validation.failed`, naming the field, for leases no caller should ask
 * for: a time to live that is not a positive whole number of milliseconds
 * (at most a day), a key that is empty or longer than 1024 characters.
 * Null when they are fine. Both stores check with it.
 */
export function leaseProblem(keys: ReadonlyArray<string>, ttlMs?: number): StoreError | null {
  const invalid = (path: string, message: string) => new StoreError({ code: "validation.failed", detail: `${path}: ${message}`, errors: [{ path, message }] })
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > 86_400_000)) {
    return invalid("ttlMs", "must be a whole number of milliseconds from 1 to 86400000")
  }
  const bad = keys.findIndex((key) => typeof key !== "string" || key.length === 0 || key.length > MAX_KEY)
  return bad === -1 ? null : invalid(`keys[${bad}]`, `must be a string of 1 to ${MAX_KEY} characters`)
}

/** @internal */
export interface Leases {
  readonly hold: (keys: ReadonlyArray<string>, ttlMs: number) => void
  readonly release: (keys: ReadonlyArray<string>) => void
  readonly held: () => ReadonlyArray<string>
}

/** @internal */
export function makeLeases(db: Database, owner: string): Leases {
  const sql = {
    hold: db.statement(
      `INSERT INTO leases (key, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key, owner) DO UPDATE SET expires_at = excluded.expires_at`
    ),
    expired: db.statement("DELETE FROM leases WHERE expires_at <= ?"),
    release: db.statement("DELETE FROM leases WHERE key = ? AND owner = ?"),
    live: db.statement("SELECT key, owner FROM leases WHERE expires_at > ? ORDER BY key")
  }
  return {
    hold: (keys, ttlMs) => {
      const now = Date.now()
      db.transaction(() => {
        // Expired rows are cleaned here, where a writer is at work anyway.
        sql.expired.run(now)
        for (const key of keys) sql.hold.run(key, owner, now + ttlMs)
      })
    },
    release: (keys) => {
      if (keys.length === 0) return
      db.transaction(() => {
        for (const key of keys) sql.release.run(key, owner)
      })
    },
    held: () => {
      const open = openOwners(db)
      // Asked once per holder: a holder may have hundreds of keys.
      const alive = new Map<string, boolean>([[owner, true]])
      const keys = new Set<string>()
      for (const row of sql.live.all(Date.now())) {
        const holder = String(row.owner)
        let live = alive.get(holder)
        if (live === undefined) alive.set(holder, live = ownerAlive(holder, open))
        // A process killed before it closed leaves its rows: its leases end with it.
        if (live) keys.add(String(row.key))
      }
      return [...keys]
    }
  }
}
