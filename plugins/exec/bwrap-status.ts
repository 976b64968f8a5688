/**
 * @module
 * bubblewrap's `--json-status-fd`: one JSON document per line, first the
 * host pid of the namespace's pid 1 (`child-pid`) and the namespace inodes,
 * last the `exit-code`. The PID namespace's inode is what finds every
 * process inside it.
 */
import type { Readable } from "node:stream"

/**
 * What bubblewrap has reported so far.
 *
 * @since 0.1.0
 * @category models
 */
export interface BwrapStatus {
  childPid?: number
  pidNamespace?: number
}

/**
 * Fills `status` as documents arrive on `readable`.
 *
 * @since 0.1.0
 * @category utils
 */
export function readBwrapStatus(readable: Readable, status: BwrapStatus): void {
  let pending = ""
  readable.setEncoding("utf8")
  readable.on("data", (text: string) => {
    pending += text
    let nl = pending.indexOf("\n")
    while (nl !== -1) {
      try {
        const doc = JSON.parse(pending.slice(0, nl)) as Record<string, unknown>
        if (typeof doc["child-pid"] === "number") status.childPid = doc["child-pid"]
        if (typeof doc["pid-namespace"] === "number") status.pidNamespace = doc["pid-namespace"]
      } catch {
        // Not a status document; ignore it.
      }
      pending = pending.slice(nl + 1)
      nl = pending.indexOf("\n")
    }
  })
  readable.on("error", () => undefined)
}
