/**
 * @module
 * File chores shared by the cgroup v1 and v2 code: reading a cgroup file
 * as words or counters, and removing cgroups once their members are gone.
 */
import { readFileSync } from "node:fs"
import { readFile, rmdir } from "node:fs/promises"
import { join } from "node:path"
import { codeOf } from "../../../core/mod.ts"

/**
 * This process's `/proc/self/cgroup` and `/proc/self/mountinfo`, which say
 * where its cgroups are and where each hierarchy is mounted; null off Linux.
 */
export function readOwnCgroups(): { readonly self: string; readonly mounts: string } | null {
  try {
    return { self: readFileSync("/proc/self/cgroup", "utf8"), mounts: readFileSync("/proc/self/mountinfo", "utf8") }
  } catch {
    return null
  }
}

/** The whitespace-separated words of a file; none when it cannot be read. */
export function words(file: string): Array<string> {
  try {
    return readFileSync(file, "utf8").trim().split(/\s+/)
  } catch {
    return []
  }
}

/** The counter `key` of a flat-keyed file (`memory.events`, `pids.events`); 0 when absent. */
export async function counter(file: string, key: string): Promise<number> {
  const text = await readFile(file, "utf8").catch(() => "")
  const line = text.split("\n").find((l) => l.startsWith(`${key} `))
  return line === undefined ? 0 : Number(line.slice(key.length + 1)) || 0
}

/** Pids listed in a cgroup's `cgroup.procs`. */
export async function members(dir: string): Promise<Array<number>> {
  const text = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "")
  return text.split("\n").filter((p) => p !== "").map(Number)
}

/** SIGKILLs each pid; vanished ones are fine. */
export function killAll(pids: ReadonlyArray<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Already gone.
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Removes each cgroup, SIGKILLing whatever is still in it (a cgroup with
 * members cannot be removed); bounded, never fails.
 */
export async function killAndRemove(dirs: ReadonlyArray<string>): Promise<void> {
  let left = [...dirs]
  for (let i = 0; i < 100 && left.length > 0; i++) {
    const next: Array<string> = []
    for (const dir of left) {
      try {
        await rmdir(dir)
      } catch (e) {
        if (codeOf(e) === "ENOENT") continue
        killAll(await members(dir))
        next.push(dir)
      }
    }
    left = next
    if (left.length > 0) await sleep(20)
  }
}
