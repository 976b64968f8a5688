/**
 * @module
 * The warning that a live server serves the data directory a command uses
 * in-process: changes made here reach it, but its runs and load are its
 * own, so the warning says where it is. Printed when the engine starts, and
 * by a `:jobs` answered from its cache, which starts none.
 */
import { liveServers } from "../engine/serving.ts"
import type { Output } from "./output.ts"

/** Notes each live server on `dataDir` (resolved) on stderr. */
export function noteLiveServers(out: Output, dataDir: string): void {
  for (const s of liveServers(dataDir)) {
    out.note(`flwd: warning: a server (pid ${s.pid}) serves ${dataDir}; to use it instead: --remote ${s.url}`)
  }
}
