/**
 * @module
 * The job ids shell completion offers, cached in the data directory so
 * that pressing Tab again does not start the engine (Effect, the store,
 * the tree walk and YAML parsing: seconds on a busy machine). The cache is
 * keyed by a stamp of everything the listing depends on, taken without
 * parsing anything: the resolved root, the mtime of every directory under
 * it (a job added, removed or renamed changes its parent's) and of every
 * `config.yaml` (an edit can make a job valid or invalid), the sources
 * (the SQLite store's mark of their changes, `flwd.db.sources`, or, for a
 * database made before marks, the database and its WAL, which every run
 * also writes), and the profile and policy file.
 * Any difference is a miss, and the next listing through the engine
 * rewrites the entry. Where the stamp cannot see every input, nothing is
 * cached: a `flwd.yaml` (declared sources, another root), `--plugin`, a
 * symbolic link in the tree, a remote engine, or a store other than the
 * data directory's SQLite (`--store`, `FLWD_STORE`).
 */
import { createHash } from "node:crypto"
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

/** What a cached listing belongs to. */
export interface CacheScope {
  readonly root: string
  readonly dataDir: string
  readonly profile: string | undefined
  readonly policy: string | undefined
}

/** The settings of a command line that a listing depends on. */
export interface ListingSettings {
  readonly root?: string | undefined
  readonly dataDir?: string | undefined
  readonly profile?: string | undefined
  readonly policy?: string | undefined
  readonly config?: string | undefined
  readonly plugins?: ReadonlyArray<string>
  readonly remote?: string | undefined
  readonly store?: string | undefined
}

/** A store other than the data directory's SQLite changes without touching any file the stamp can see. */
const otherStore = (value: string | undefined) => value !== undefined && value !== "" && value !== "sqlite"

/** Directories deeper than this are not walked; a tree that has them is not cached. */
const maxDepth = 16

/**
 * The scope of a listing in `cwd`, or `undefined` where the stamp could not
 * see every input (then nothing is read from or written to the cache).
 */
export function cacheScope(settings: ListingSettings, env: Readonly<Record<string, string | undefined>>, cwd: string): CacheScope | undefined {
  if (settings.remote !== undefined || (settings.plugins?.length ?? 0) > 0) return undefined
  if (otherStore(settings.store) || (settings.store === undefined && otherStore(env.FLWD_STORE))) return undefined
  if (settings.config !== undefined || (env.FLWD_CONFIG ?? "") !== "" || existsSync(join(cwd, "flwd.yaml"))) return undefined
  const policy = settings.policy ?? (env.FLWD_POLICY_FILE || undefined)
  return {
    root: resolve(cwd, settings.root ?? "jobs"),
    dataDir: resolve(cwd, settings.dataDir ?? (env.FLWD_DATA_DIR || ".flwd")),
    profile: settings.profile ?? (env.FLWD_PROFILE || undefined),
    policy: policy === undefined ? undefined : resolve(cwd, policy)
  }
}

/**
 * The SQLite store's mark of the sources' last change (written by
 * plugins/stores/sqlite/sources-mark/mod.ts beside the database), read here
 * without importing the store: a completion loads no plugin module.
 */
function readSourcesMark(db: string): string | undefined {
  try {
    return readFileSync(`${db}.sources`, "utf8")
  } catch {
    return undefined
  }
}

function mtime(path: string): string {
  try {
    const st = statSync(path)
    return `${st.mtimeMs}:${st.size}`
  } catch {
    return "-"
  }
}

/** Feeds the tree's directories and `config.yaml` files to `hash`; false where the walk cannot vouch for it. */
function walk(dir: string, depth: number, hash: ReturnType<typeof createHash>): boolean {
  if (depth > maxDepth) return false
  hash.update(`d ${dir} ${mtime(dir)}\n`)
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isSymbolicLink()) return false
    if (entry.isDirectory()) {
      if (!walk(path, depth + 1, hash)) return false
    } else if (entry.name === "config.yaml") hash.update(`f ${path} ${mtime(path)}\n`)
  }
  return true
}

/**
 * The stamp of `scope` as it is now, or `undefined` when it cannot be taken
 * (the listing cache of `:jobs` is keyed by it too).
 */
export function stamp(scope: CacheScope): string | undefined {
  const hash = createHash("sha256")
  hash.update(JSON.stringify(scope))
  const db = join(scope.dataDir, "flwd.db")
  const mark = readSourcesMark(db)
  if (mark !== undefined) hash.update(`m ${mark}\n`)
  for (const file of [...(mark === undefined ? [db, `${db}-wal`] : []), scope.policy]) if (file !== undefined) hash.update(`s ${file} ${mtime(file)}\n`)
  try {
    if (existsSync(scope.root) && (lstatSync(scope.root).isSymbolicLink() || !walk(scope.root, 0, hash))) return undefined
  } catch {
    return undefined
  }
  return hash.digest("hex")
}

function cacheFile(scope: CacheScope): string {
  return join(scope.dataDir, "cache", "completion-job-ids.json")
}

/** Whether completion has cached ids for `scope` (current or not): then they are worth keeping current. */
export function hasJobIds(scope: CacheScope): boolean {
  return existsSync(cacheFile(scope))
}

/** The cached ids of `scope`, if they are still current. */
export function readJobIds(scope: CacheScope): ReadonlyArray<string> | undefined {
  try {
    const entry = JSON.parse(readFileSync(cacheFile(scope), "utf8")) as unknown
    if (typeof entry !== "object" || entry === null) return undefined
    const { key, ids } = entry as { key?: unknown; ids?: unknown }
    if (typeof key !== "string" || !Array.isArray(ids) || !ids.every((id) => typeof id === "string")) return undefined
    return key === stamp(scope) ? ids : undefined
  } catch {
    return undefined
  }
}

/**
 * Records `ids` as the listing of `scope`. Call it once the engine is
 * disposed: closing the store touches the database, and the stamp must
 * match the state the next Tab finds.
 */
export function writeJobIds(scope: CacheScope, ids: ReadonlyArray<string>): void {
  const key = stamp(scope)
  if (key === undefined || !existsSync(scope.dataDir)) return
  const file = cacheFile(scope)
  mkdirSync(join(scope.dataDir, "cache"), { recursive: true })
  // Written aside and renamed: a Tab in another shell never reads half a file.
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify({ key, ids }))
  renameSync(temp, file)
}
