/**
 * @module
 * The database schema as a list of forward-only migrations. The schema
 * version is SQLite's `user_version`: migration `n` (0-based) moves the file
 * from version `n` to `n + 1`. Migrations are only ever appended, never
 * edited, so any older file can be brought up to date.
 */
import type { Database } from "./_database.ts"

/**
 * Each entry is one migration. Records are kept whole as JSON (`record`);
 * the other columns copy the fields that queries filter or sort on.
 */
export const migrations: ReadonlyArray<string> = [
  `
  CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL,
    -- The process executing the run (see _owner.ts).
    owner TEXT
  ) STRICT;
  -- Each index ends in the listing order, so a page is one index range scan.
  CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
  CREATE INDEX runs_by_job ON runs (job_id, created_at DESC, id DESC);
  CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);

  -- AUTOINCREMENT: an id is never reused, even after the newest rows are
  -- gone, so a client resuming with Last-Event-ID cannot skip an event.
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_by_run ON events (run_id, id);

  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    run_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  `,
  // Contract v2: core stores what a source resolved to (the plugin's pin, JSON).
  // Sources stored before have none: core reads it from their provenance at the next start.
  `
  ALTER TABLE sources ADD COLUMN pin TEXT;
  `,
  // The store instances open on this file, by owner id (see _owner.ts): a row from opening to closing.
  `
  CREATE TABLE owners (
    owner TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL
  ) STRICT;
  `,
  // Leases on named resources held by store instances (see _leases.ts);
  // expires_at in milliseconds since the epoch, by this host's clock.
  `
  CREATE TABLE leases (
    key TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key, owner)
  ) STRICT;
  `
]

/** The version a file has once every migration has run. */
export const schemaVersion = migrations.length

/** Thrown when the file was written by a newer flwd than this one. */
export class SchemaTooNewError extends Error {
  readonly version: number
  constructor(version: number) {
    super(`database schema version ${version} is newer than this flwd supports (${schemaVersion})`)
    this.version = version
  }
}

function currentVersion(db: Database): number {
  return Number(db.statement("PRAGMA user_version").get()?.user_version ?? 0)
}

/**
 * Brings the file up to `schemaVersion`. Each migration runs in its own
 * write transaction and the version is read again inside it, so two
 * processes opening a fresh file at once migrate it exactly once.
 */
export function migrate(db: Database): void {
  if (currentVersion(db) === schemaVersion) return
  for (;;) {
    const done = db.transaction(() => {
      const version = currentVersion(db)
      if (version > schemaVersion) throw new SchemaTooNewError(version)
      if (version === schemaVersion) return true
      db.exec(migrations[version])
      // PRAGMA takes no bound parameters; the value is our own integer.
      db.exec(`PRAGMA user_version = ${version + 1}`)
      return false
    })
    if (done) return
  }
}
