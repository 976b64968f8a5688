/**
 * @module
 * Reading the host's process table from `/proc` (Linux): the fields of
 * `/proc/<pid>/stat` that say who a process belongs to, and its start time,
 * which together with the pid names one process even after pid reuse.
 */
import { readdirSync, readFileSync } from "node:fs"

/**
 * What `/proc/<pid>/stat` says about a process.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcStat {
  readonly pid: number
  /** `R`, `S`, `D`, `Z` (zombie), `X` (dead), … */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
  readonly session: number
  /** Clock ticks after boot: with the pid, names this process and no later one. */
  readonly start: number
}

/**
 * The stat of `pid`, or null when it does not exist (or is not readable).
 *
 * @since 0.1.0
 * @category utils
 */
export function readStat(pid: number): ProcStat | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1")
  } catch {
    return null
  }
  // The command name is parenthesised and may contain spaces or ")":
  // fields are counted from the last ")". proc(5): state ppid pgrp session
  // tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
  // cstime priority nice num_threads itrealvalue starttime …
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return { pid, state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), start: Number(f[19]) }
}

/**
 * True for a process that exists and is not a zombie. Zombies count as
 * gone: without a reaping init (some containers) orphans stay zombies
 * forever, and `kill(pid, 0)` still reports them.
 *
 * @since 0.1.0
 * @category utils
 */
export function isLive(stat: ProcStat | null): stat is ProcStat {
  return stat !== null && stat.state !== "Z" && stat.state !== "X"
}

/**
 * The pids listed in `/proc` (empty where there is no `/proc`).
 *
 * @since 0.1.0
 * @category utils
 */
export function listPids(): Array<number> {
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return []
  }
  const pids: Array<number> = []
  for (const entry of entries) {
    const c = entry.charCodeAt(0)
    if (c >= 48 && c <= 57) pids.push(Number(entry))
  }
  return pids
}

/**
 * Whether the environment `pid` was started with holds `name=value`
 * (`/proc/<pid>/environ`, readable for processes of the same user).
 *
 * @since 0.1.0
 * @category utils
 */
export function hasEnv(pid: number, entry: string): boolean {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/environ`, "latin1")
  } catch {
    return false
  }
  return text.startsWith(`${entry}\u0000`) || text.includes(`\u0000${entry}\u0000`)
}

/**
 * Sends a signal to each pid; vanished ones are fine.
 *
 * @since 0.1.0
 * @category utils
 */
export function signalAll(pids: ReadonlyArray<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // ESRCH: already gone.
    }
  }
}
