/**
 * @module
 * The one file that touches `node:sqlite` (Node 24 and Deno 2 both provide
 * it). Everything else in the store sees only the small synchronous
 * `Database` interface below, so another driver could stand in here.
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import process from "node:process"
import type { SQLInputValue, StatementSync } from "node:sqlite"

type Sqlite = typeof import("node:sqlite")

/**
 * `node:sqlite`, loaded on the first open rather than imported. Node 24
 * still calls it experimental and says so on stderr when it first loads:
 * a static import would print that in every program that merely imports
 * flwd, before any of its code could run. Loaded here, that one notice is
 * dropped for the duration of the load; every other warning goes through.
 * Node keeps the module once loaded, so nothing is cached here.
 */
function loadSqlite(): Sqlite {
  const emitWarning = process.emitWarning
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: Array<unknown>) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type
    if (type === "ExperimentalWarning" && String(warning).includes("SQLite")) return
    return (emitWarning as (...a: Array<unknown>) => void).call(process, warning, ...rest)
  } as typeof process.emitWarning
  try {
    return process.getBuiltinModule("node:sqlite")
  } finally {
    process.emitWarning = emitWarning
  }
}

/** A value bound to a `?` placeholder. */
export type Param = string | number | null

/** A row as SQLite returns it. */
export type Row = Readonly<Record<string, unknown>>

/** A prepared statement; prepared once per SQL text and reused. */
export interface Statement {
  readonly run: (...params: ReadonlyArray<Param>) => { readonly changes: number; readonly lastId: number }
  readonly get: (...params: ReadonlyArray<Param>) => Row | undefined
  readonly all: (...params: ReadonlyArray<Param>) => ReadonlyArray<Row>
}

/** An open connection. Every method is synchronous and may throw. */
export interface Database {
  /** The prepared statement for `sql`, from the connection's cache. */
  readonly statement: (sql: string) => Statement
  /** Runs SQL text that may hold several statements and binds nothing. */
  readonly exec: (sql: string) => void
  /**
   * Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
   * IMMEDIATE takes the write lock up front, so a second process waits on
   * `busy_timeout` at BEGIN instead of failing half-way with SQLITE_BUSY.
   */
  readonly transaction: <A>(body: () => A) => A
  readonly close: () => void
}

/** Connection settings applied on every open; see the SQLite PRAGMA docs. */
const pragmas = [
  // First, so that the pragmas below that need a lock wait for it.
  "PRAGMA busy_timeout = 5000",
  // Readers in other processes never block the writer, nor it them.
  "PRAGMA journal_mode = WAL",
  // In WAL mode NORMAL survives a crash of the process; only a power loss
  // may drop the last commits, never corrupt the file.
  "PRAGMA synchronous = NORMAL",
  "PRAGMA foreign_keys = ON"
]

function wrap(statement: StatementSync): Statement {
  return {
    run: (...params) => {
      const result = statement.run(...(params as Array<SQLInputValue>))
      return { changes: Number(result.changes), lastId: Number(result.lastInsertRowid) }
    },
    get: (...params) => statement.get(...(params as Array<SQLInputValue>)) as Row | undefined,
    all: (...params) => statement.all(...(params as Array<SQLInputValue>)) as ReadonlyArray<Row>
  }
}

/**
 * Opens (creating it and its parent directories when missing) the database
 * file at `path`, or an in-memory database for `":memory:"`, and applies the
 * connection pragmas. Throws what `node:sqlite` throws.
 */
export function openDatabase(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
  const db = new (loadSqlite().DatabaseSync)(path)
  const cache = new Map<string, Statement>()
  try {
    for (const pragma of pragmas) db.exec(pragma)
  } catch (error) {
    db.close()
    throw error
  }
  const statement = (sql: string): Statement => {
    let cached = cache.get(sql)
    if (cached === undefined) {
      cached = wrap(db.prepare(sql))
      cache.set(sql, cached)
    }
    return cached
  }
  const begin = statement("BEGIN IMMEDIATE")
  const commit = statement("COMMIT")
  const rollback = statement("ROLLBACK")
  return {
    statement,
    exec: (sql) => db.exec(sql),
    transaction: (body) => {
      begin.run()
      try {
        const result = body()
        commit.run()
        return result
      } catch (error) {
        // A failed COMMIT may already have ended the transaction; the
        // original error is the one worth reporting.
        try {
          rollback.run()
        } catch {
          // nothing left to roll back
        }
        throw error
      }
    },
    close: () => {
      cache.clear()
      try {
        db.close()
      } catch {
        // already closed: closing is idempotent for callers
      }
    }
  }
}
