/**
 * @module
 * The processes of one PID namespace (a sandbox, or a process-executor step
 * run under bubblewrap), found by the namespace's inode. bubblewrap reports
 * the inode on its status descriptor; every process inside shares it (the
 * job, its children, orphans reparented to the namespace's pid 1), whatever
 * session or process group the job set up.
 */
import { readlinkSync } from "node:fs"
import { isLive, listPids, readStat } from "./proc.ts"

/**
 * Host pids of the live (not zombie) processes whose PID namespace is
 * `inode`. The namespace's pid 1 outlives bubblewrap as a zombie until the
 * host's init reaps it, which some container inits do late or never.
 *
 * @since 0.1.0
 * @category utils
 */
export function namespaceMembers(inode: number): Array<number> {
  const wanted = `pid:[${inode}]`
  const pids: Array<number> = []
  for (const pid of listPids()) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) === wanted && isLive(readStat(pid))) pids.push(pid)
    } catch {
      // Exited meanwhile, or a process we may not inspect (not ours).
    }
  }
  return pids
}
