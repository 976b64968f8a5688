/**
 * @module
 * The schema as forward-only migrations, applied when a store connects.
 * Migration `n` (0-based) takes the schema from version `n` to `n + 1`;
 * entries are only ever appended, never edited, so any older schema can be
 * brought up to date.
 *
 * Several servers may start at once on an empty database: each takes a
 * transaction-scoped advisory lock keyed by the schema name first, so one
 * migrates while the others wait and then find nothing left to do. DDL is
 * transactional in PostgreSQL, so a failed migration leaves no half-made
 * tables behind.
 */
import type { Sql } from "./_sql.ts"

/**
 * Records are kept whole as `json` (verbatim text, checked to be JSON);
 * other columns copy the fields that queries filter or sort on. Not
 * `jsonb`: it rejects `\u0000` and lone surrogates, which log lines may
 * hold. Text that is sorted or compared uses the "C" collation, so order
 * is by code point whatever the database's locale (as in the SQLite store,
 * and as run-listing cursors assume).
 */
export const migrations: ReadonlyArray<string> = [
  `
  CREATE TABLE sources (
    name text COLLATE "C" PRIMARY KEY,
    record json NOT NULL,
    updated_at text NOT NULL
  );

  -- Engines sharing the store, each with a lease it renews (see _owner.ts).
  CREATE TABLE owners (
    id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  );

  CREATE TABLE runs (
    id text COLLATE "C" PRIMARY KEY,
    job_id text COLLATE "C" NOT NULL,
    status text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    record json NOT NULL,
    -- The engine executing the run; no foreign key, so that an owner's row
    -- can go while its runs wait to be failed.
    owner text
  );
  -- Each index ends in the listing order, so a page is one index range scan.
  CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
  CREATE INDEX runs_by_job ON runs (job_id, created_at DESC, id DESC);
  CREATE INDEX runs_by_status ON runs (status, created_at DESC, id DESC);

  -- The journal's ids come from this one row, not a sequence: appenders
  -- take its row lock, so ids are handed out in commit order and a reader
  -- that has seen id n has seen every id below it. A sequence would let a
  -- later id commit first, and a follower reading "after n" would skip the
  -- earlier one for good.
  CREATE TABLE journal_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id bigint NOT NULL
  );
  INSERT INTO journal_head (one, last_id) VALUES (true, 0);

  CREATE TABLE events (
    id bigint PRIMARY KEY,
    run_id text,
    type text NOT NULL,
    at text NOT NULL,
    data json NOT NULL
  );
  CREATE INDEX events_by_run ON events (run_id, id);

  CREATE TABLE idempotency (
    key text PRIMARY KEY,
    request_hash text NOT NULL,
    run_id text NOT NULL,
    created_at text NOT NULL
  );
  `,
  // Leases on named resources that collectors honour (see _leases.ts).
  `
  CREATE TABLE leases (
    key text COLLATE "C" NOT NULL,
    owner text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (key, owner)
  );
  `,
  // The run queue shared by engines (see _queue.ts), and the sources'
  // change counter (see store.ts, changeToken).
  `
  ALTER TABLE runs
    -- The plan request a claiming engine plans again; NULL when only the
    -- engine that accepted the run may plan it (or it was never queued).
    ADD COLUMN request json,
    -- The only engine that may claim the run, when its request is NULL.
    ADD COLUMN bound_to text,
    -- The job's concurrency key and limit (0: none), counted across engines.
    ADD COLUMN job_key text COLLATE "C",
    ADD COLUMN job_limit integer NOT NULL DEFAULT 0,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
  -- The claim scan: unclaimed queued runs, oldest first.
  CREATE INDEX runs_unclaimed ON runs (created_at, id) WHERE status = 'queued' AND owner IS NULL;
  -- A job's claimed and running runs, counted against its limit.
  CREATE INDEX runs_by_job_key ON runs (job_key) WHERE owner IS NOT NULL AND status IN ('queued', 'running');
  -- The runs of each engine, for settling those of a lost one.
  CREATE INDEX runs_active ON runs (status) WHERE status IN ('queued', 'running');

  CREATE TABLE sources_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
  );
  INSERT INTO sources_head (one, version) VALUES (true, 0);
  `
]

/** The version a schema has once every migration has run. */
export const schemaVersion = migrations.length

/** The advisory lock class of migrations; the schema name's hash is the key. */
const LOCK_CLASS = 0x666c7764 // "flwd"

/** Thrown when the schema was migrated by a newer flwd than this one. */
export class SchemaTooNewError extends Error {
  readonly version: number
  constructor(version: number) {
    super(`database schema version ${version} is newer than this flwd supports (${schemaVersion})`)
    this.version = version
  }
}

/**
 * Creates `schema` if needed and brings it to `schemaVersion`, in one
 * transaction under the schema's advisory lock. Returns the versions it
 * applied (none when another server got there first).
 */
export async function migrate(sql: Sql, schema: string): Promise<ReadonlyArray<number>> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${schema}::text))`
    // The name was checked to be a plain lower-case identifier (_options.ts).
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await tx.unsafe(`SET LOCAL search_path TO ${schema}`)
    await tx`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`
    const [{ version }] = await tx<Array<{ version: number }>>`
      SELECT COALESCE(MAX(version), 0)::int AS version FROM schema_migrations`
    if (version > schemaVersion) throw new SchemaTooNewError(version)
    const applied: Array<number> = []
    for (let n = version; n < schemaVersion; n++) {
      await tx.unsafe(migrations[n])
      await tx`INSERT INTO schema_migrations (version) VALUES (${n + 1}::int)`
      applied.push(n + 1)
    }
    return applied
  })
}
