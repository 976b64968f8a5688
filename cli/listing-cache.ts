/**
 * @module
 * The answer of `flwd :jobs`, cached in the data directory so that listing
 * an unchanged tree again starts no engine (Effect, `effect/Schema`, the
 * store, the plugins, the tree walk and YAML: most of the command's time).
 * It is keyed by the same stamp as completion's job ids
 * (`job-id-cache.ts`): the tree's directories and `config.yaml` files, the
 * database (sources added or removed; a run touches it too, so the listing
 * after a run asks the engine again), the profile and the policy file.
 * Where that stamp cannot see every input (`flwd.yaml`, `--plugin`, a
 * symbolic link in the tree, `--remote`) nothing is cached. The table and
 * the JSON document are kept apart, each written by the listing that
 * computed it, so a table never pays for the JSON's argument schemas.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type CacheScope, stamp } from "./job-id-cache.ts"

/** A definition problem as `:jobs` prints it under the table. */
export interface ListedDiagnostic {
  readonly level: string
  readonly source: string
  readonly path: string
  readonly code: string
  readonly message: string
}

/** The table of `:jobs`: ID, SUMMARY, SOURCE rows in id order, and the diagnostics. */
export interface ListingTable {
  readonly rows: ReadonlyArray<readonly [string, string, string]>
  readonly diagnostics: ReadonlyArray<ListedDiagnostic>
}

/** What one cache entry holds for one stamp. */
interface Entry {
  readonly key: string
  readonly table?: ListingTable
  readonly json?: unknown
}

/** The cache file is ours, but a truncated or foreign one must not be trusted: bound what is read. */
const maxBytes = 64 * 1024 * 1024

const isString = (v: unknown): v is string => typeof v === "string"

function isTable(v: unknown): v is ListingTable {
  if (typeof v !== "object" || v === null) return false
  const { rows, diagnostics } = v as { rows?: unknown; diagnostics?: unknown }
  return Array.isArray(rows) && rows.every((r) => Array.isArray(r) && r.length === 3 && r.every(isString)) &&
    Array.isArray(diagnostics) &&
    diagnostics.every((d) =>
      typeof d === "object" && d !== null && ["level", "source", "path", "code", "message"].every((k) => isString((d as Record<string, unknown>)[k]))
    )
}

function isDocument(v: unknown): boolean {
  return typeof v === "object" && v !== null && Array.isArray((v as { items?: unknown }).items)
}

function cacheFile(scope: CacheScope): string {
  return join(scope.dataDir, "cache", "jobs-listing.json")
}

function readEntry(scope: CacheScope): Entry | undefined {
  try {
    const text = readFileSync(cacheFile(scope), "utf8")
    if (text.length > maxBytes) return undefined
    const entry = JSON.parse(text) as unknown
    if (typeof entry !== "object" || entry === null || !isString((entry as { key?: unknown }).key)) return undefined
    return entry as Entry
  } catch {
    return undefined
  }
}

/** The cached table of `scope`, if it is still current. */
export function readTable(scope: CacheScope): ListingTable | undefined {
  const entry = readEntry(scope)
  if (entry === undefined || !isTable(entry.table)) return undefined
  return entry.key === stamp(scope) ? entry.table : undefined
}

/** The cached JSON document of `scope`, if it is still current. */
export function readDocument(scope: CacheScope): unknown {
  const entry = readEntry(scope)
  if (entry === undefined || !isDocument(entry.json)) return undefined
  return entry.key === stamp(scope) ? entry.json : undefined
}

/**
 * Records one form of the listing of `scope`, beside the other form if that
 * was taken at the same stamp. Call it once the engine is disposed: closing
 * the store touches the database, and the stamp must match the state the
 * next listing finds.
 */
export function writeListing(scope: CacheScope, part: { readonly table: ListingTable } | { readonly json: unknown }): void {
  try {
    const key = stamp(scope)
    if (key === undefined || !existsSync(scope.dataDir)) return
    const previous = readEntry(scope)
    const entry: Entry = { ...(previous?.key === key ? previous : {}), ...part, key }
    mkdirSync(join(scope.dataDir, "cache"), { recursive: true })
    // Written aside and renamed: a listing in another shell never reads half a file.
    const file = cacheFile(scope)
    const temp = `${file}.${process.pid}.tmp`
    writeFileSync(temp, JSON.stringify(entry))
    renameSync(temp, file)
  } catch {
    // A read-only data directory only means the next listing starts the engine again.
  }
}
