/**
 * @module
 * Looking for a job's processes on the host the way a user would (`ps`):
 * by their command line in `/proc`, whatever namespace or session they are
 * in, and waiting for a condition with a generous bound.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

/** Host pids of live (not zombie) processes whose argv is exactly `argv`. */
export function processesRunning(...argv: ReadonlyArray<string>): Array<number> {
  const wanted = `${argv.join("\u0000")}\u0000`
  const found: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "latin1") !== wanted) continue
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1")
      const state = stat.charAt(stat.lastIndexOf(")") + 2)
      if (state !== "Z" && state !== "X") found.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return found
}

/** `sleep N` processes on the host: tests use a unique N each. */
export const sleeping = (seconds: number): Array<number> => processesRunning("sleep", String(seconds))

/** Resolves once `check` holds, or rejects after `ms` saying what was awaited. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Polls `what` until `done` holds of its value or `ms` pass, and returns the last value (the caller asserts on it). */
export async function settle<A>(what: () => Promise<A>, done: (a: A) => boolean, ms = 120_000): Promise<A> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await what()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Kills leftovers a failing test leaves behind, so they do not outlive it. */
export function killSleeping(...seconds: ReadonlyArray<number>): void {
  for (const s of seconds) {
    for (const pid of sleeping(s)) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // Gone.
      }
    }
  }
}

/**
 * Host pids of live processes whose working directory is `dir`: a job's
 * processes, found without the pids it saw itself (in a PID namespace of
 * its own, `$$` is not a host pid).
 */
export function processesIn(dir: string): Array<number> {
  const found: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== dir) continue
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1")
      const state = stat.charAt(stat.lastIndexOf(")") + 2)
      if (state !== "Z" && state !== "X") found.push(Number(entry))
    } catch {
      // Gone meanwhile, or not ours to inspect.
    }
  }
  return found
}
