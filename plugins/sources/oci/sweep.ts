/**
 * @module
 * The start-up sweep of what an interrupted pull (a kill -9, a power loss)
 * left in a data directory (DESIGN §8): temporary blob files, temporary
 * unpack directories next to a rootfs (`addons/<digest>/.rootfs-tmp-*`),
 * `addons/<digest>/` directories left empty, and pull markers of dead
 * processes. The engine runs it at every start, whatever sources exist: the
 * pull that left them may never have become a source.
 *
 * Nothing is removed while a live process (this one or another sharing the
 * data directory) holds a pull marker: its temporary files are in use.
 *
 * This module is kept light: it looks with `node:fs` first and imports the
 * OCI library only when there is something to remove, so the start of a
 * command over a clean data directory loads no registry or unpack code.
 */
import { readdir, rmdir } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { activePulls } from "./_activity.ts"

/**
 * What a sweep did.
 *
 * @since 0.1.0
 * @category models
 */
export interface SweepResult {
  /** Temporary files and directories removed, empty add-on directories included. */
  readonly removed: number
  /** Set when nothing was looked at, with the reason (a live pull). */
  readonly skipped: string | null
}

const isDigest = (s: string) => /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.test(s)

const names = (dir: string) => readdir(dir).catch(() => [] as Array<string>)

/** `addons/<digest>/` directories under `dataDir`. */
async function addonDirs(dataDir: string): Promise<Array<string>> {
  return (await names(join(dataDir, "addons"))).filter(isDigest).map((d) => join(dataDir, "addons", d))
}

/**
 * Whether anything but complete images is there. An `addons/<digest>/`
 * holds its `rootfs` and nothing else once a pull finished; `blobs/tmp/`
 * (the blob cache's temporary files) is empty between pulls.
 */
async function suspicious(dataDir: string): Promise<boolean> {
  if ((await names(join(dataDir, "blobs", "tmp"))).length > 0) return true
  for (const dir of await addonDirs(dataDir)) {
    const inside = await names(dir)
    if (inside.length !== 1 || inside[0] !== "rootfs") return true
  }
  return false
}

/**
 * Sweeps crash leftovers of pulls in `dataDir`; markers of dead processes
 * go in any case. Never fails: a sweep that cannot remove something leaves
 * it for the next start.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const { removed } = await Effect.runPromise(sweepLeftovers(".flwd"))
 * ```
 */
export function sweepLeftovers(dataDir: string): Effect.Effect<SweepResult> {
  return Effect.gen(function* () {
    const pulling = yield* activePulls(dataDir)
    if (pulling.length > 0) return { removed: 0, skipped: `a pull is in progress (process ${pulling.join(", ")})` }
    if (!(yield* Effect.promise(() => suspicious(dataDir)))) return { removed: 0, skipped: null }
    const oci = yield* Effect.promise(() => import("../../oci/mod.ts"))
    const partial = yield* Effect.orElseSucceed(oci.sweepPartial(dataDir, oci.makeBlobStore(dataDir)), () => 0)
    // rmdir removes a directory only when it is empty: a rootfs is never touched.
    const empty = yield* Effect.promise(async () => {
      let n = 0
      for (const dir of await addonDirs(dataDir)) n += await rmdir(dir).then(() => 1, () => 0)
      return n
    })
    return { removed: partial + empty, skipped: null }
  })
}
