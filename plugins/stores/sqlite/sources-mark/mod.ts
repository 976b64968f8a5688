/**
 * @module
 * A file beside the SQLite database whose content changes with every change
 * of the source records: what the CLI's listing and completion caches stamp
 * (cli/job-id-cache.ts) instead of the database itself, which every run
 * writes. The CLI reads `<database>.sources` itself (cli/job-id-cache.ts),
 * so that a completion loads no plugin module.
 */
import { randomUUID } from "node:crypto"
import { existsSync, renameSync, writeFileSync } from "node:fs"

/** The mark of the database at `dbPath`. */
export function sourcesMarkPath(dbPath: string): string {
  return `${dbPath}.sources`
}

/**
 * Records that the sources changed: new content (not only a new mtime,
 * which two changes within one clock tick could share), written aside and
 * renamed, so a reader never sees half of it.
 */
export function markSources(dbPath: string): void {
  const mark = sourcesMarkPath(dbPath)
  const temp = `${mark}.${process.pid}.tmp`
  writeFileSync(temp, `${randomUUID()}\n`)
  renameSync(temp, mark)
}

/** Creates the mark of a database that has none yet (one made before marks existed). */
export function ensureSourcesMark(dbPath: string): void {
  if (!existsSync(sourcesMarkPath(dbPath))) markSources(dbPath)
}
