/**
 * @module
 * Pull markers. Several flwd processes may share a data directory (a server
 * and the CLI), so "temporary files nobody owns" must be decided across
 * processes: each pull holds a marker file `addons/pulls/<pid>-<random>`
 * while it runs. Sweeping crash leftovers and garbage collection wait for
 * a moment when no live process holds one; markers of dead processes (a
 * kill -9) are removed on sight.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { codeOf } from "../../../core/mod.ts"

const markersDir = (dataDir: string) => join(dataDir, "addons", "pulls")

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return codeOf(e) === "EPERM"
  }
}

/** Runs `effect` while holding a pull marker in `dataDir`. */
export function withPullMarker<A, E, R>(dataDir: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
  return Effect.acquireUseRelease(
    Effect.promise(async () => {
      const dir = markersDir(dataDir)
      const file = join(dir, `${process.pid}-${Math.random().toString(36).slice(2)}`)
      try {
        await mkdir(dir, { recursive: true })
        await writeFile(file, String(process.pid))
        return file
      } catch {
        return null
      }
    }),
    () => effect,
    (file) => (file === null ? Effect.void : Effect.promise(() => rm(file, { force: true }).catch(() => undefined)))
  )
}

/** Pids of live processes pulling into `dataDir` now (this one included); stale markers are removed. */
export function activePulls(dataDir: string): Effect.Effect<ReadonlyArray<number>> {
  return Effect.promise(async () => {
    const dir = markersDir(dataDir)
    const names = await readdir(dir).catch(() => [] as Array<string>)
    const pids = new Set<number>()
    for (const name of names) {
      const pid = Number(name.split("-")[0])
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) pids.add(pid)
      else await rm(join(dir, name), { force: true }).catch(() => undefined)
    }
    return [...pids]
  })
}
