/**
 * @module
 * Keeps completion's cached job ids current after `:jobs` and `:sources`,
 * which touch the database the cache is keyed by, so the first Tab after
 * them need not start the engine again. Only where
 * completion already keeps a cache: a user who never presses Tab pays
 * nothing. The ids are listed from the engine already open (in memory), and
 * written once it is disposed, when the database is as the next Tab finds it.
 */
import type { EngineHandle } from "../engine/handle.ts"
import { type CacheScope, hasJobIds, writeJobIds } from "./job-id-cache.ts"

/** Lists the job ids of `handle` for `scope`; resolves to the write to do after disposal, if any. */
export async function refreshJobIds(handle: EngineHandle, scope: CacheScope): Promise<(() => void) | undefined> {
  if (!hasJobIds(scope)) return undefined
  try {
    const { Effect, Engine } = await import("../core/mod.ts")
    const ids = (await handle.run(Effect.flatMap(Engine, (e) => e.jobs()))).map((j) => j.id)
    return () => {
      try {
        writeJobIds(scope, ids)
      } catch {
        // A read-only data directory only means the next Tab is slow again.
      }
    }
  } catch {
    // The command's own outcome stands; the cache stays stale and misses.
    return undefined
  }
}
