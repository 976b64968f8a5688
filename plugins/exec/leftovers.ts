/**
 * @module
 * What a run started on the host without a PID namespace, and killing what
 * is left of it. Where the process executor cannot put a step in a PID
 * namespace, each step leads its own session and process group; it writes
 * the leader's pid and start time to `processes/<step>.json` beside the
 * run's work directory, and removes the file once the step is over. After a
 * crash, the engine that fails the run (`engine.restarted`) kills what the
 * records and the run's marker still find.
 *
 * Found: every live process of a recorded session or group whose leader is
 * still the recorded process or gone (a pid cannot be reused while a group
 * or session of that id has members), and every process started with the
 * run's `FLWD_RUN_ID` in its environment — which finds what left the
 * session (`setsid`, double fork) unless it also replaced its environment.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { hasEnv, isLive, listPids, type ProcStat, readStat, signalAll } from "./proc.ts"

/**
 * The leader of a step's session and process group.
 *
 * @since 0.1.0
 * @category models
 */
export interface Leader {
  readonly pid: number
  /** From `/proc/<pid>/stat`: tells the recorded process from a later one with its pid. */
  readonly start: number
}

/** The environment entry every process of a run is started with. */
export const runMarker = (runId: string): string => `FLWD_RUN_ID=${runId}`

/**
 * The record file of one step.
 *
 * @since 0.1.0
 * @category utils
 */
export function recordFile(runBase: string, stepId: string): string {
  return join(runBase, "processes", `${stepId}.json`)
}

/**
 * Records the leader of a step (synchronously: it must be on disk before the
 * engine could crash with the step running).
 *
 * @since 0.1.0
 * @category utils
 */
export function writeRecord(file: string, leader: Leader): void {
  mkdirSync(join(file, ".."), { recursive: true })
  writeFileSync(file, JSON.stringify(leader))
}

/** Removes a step's record; a missing one is fine. */
export function removeRecord(file: string): void {
  rmSync(file, { force: true })
}

// The session or group led by `leader` is still the recorded one.
function ownsId(leader: Leader): boolean {
  const now = readStat(leader.pid)
  return now === null || now.start === leader.start
}

/**
 * Live processes of the sessions led by `leaders`.
 *
 * @since 0.1.0
 * @category utils
 */
export function sessionMembers(leaders: ReadonlyArray<Leader>, table: ReadonlyArray<ProcStat> = liveProcesses()): Array<ProcStat> {
  const ids = new Set(leaders.filter(ownsId).map((l) => l.pid))
  return ids.size === 0 ? [] : table.filter((p) => ids.has(p.session) || ids.has(p.pgrp))
}

/**
 * Live processes started with the run's marker in their environment.
 *
 * @since 0.1.0
 * @category utils
 */
export function markedProcesses(runId: string, table: ReadonlyArray<ProcStat> = liveProcesses()): Array<ProcStat> {
  const marker = runMarker(runId)
  return table.filter((p) => p.pid !== process.pid && hasEnv(p.pid, marker))
}

/**
 * Every live process of the host.
 *
 * @since 0.1.0
 * @category utils
 */
export function liveProcesses(): Array<ProcStat> {
  const table: Array<ProcStat> = []
  for (const pid of listPids()) {
    const stat = readStat(pid)
    if (isLive(stat)) table.push(stat)
  }
  return table
}

function readRecords(runBase: string): Array<Leader> {
  const dir = join(runBase, "processes")
  let names: Array<string>
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const leaders: Array<Leader> = []
  for (const name of names) {
    try {
      const value = JSON.parse(readFileSync(join(dir, name), "utf8")) as Partial<Leader>
      if (Number.isInteger(value.pid) && Number.isInteger(value.start)) leaders.push(value as Leader)
    } catch {
      // A record torn by the crash names nothing.
    }
  }
  return leaders
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Kills (SIGKILL) whatever is left of run `runId`, whose directory is
 * `runBase` (null: unknown, only the marker finds processes), and removes
 * its records. The run is over: nothing of it gets
 * to clean up. Bounded: a process stuck in the kernel is given 2 s.
 *
 * @since 0.1.0
 * @category utils
 */
export async function reapRun(runBase: string | null, runId: string): Promise<number> {
  const leaders = runBase === null ? [] : readRecords(runBase)
  const find = () => {
    const table = liveProcesses()
    return new Set([...sessionMembers(leaders, table), ...markedProcesses(runId, table)].map((p) => p.pid))
  }
  let left = find()
  const killed = left.size
  const deadline = Date.now() + 2000
  while (left.size > 0 && Date.now() < deadline) {
    signalAll([...left], "SIGKILL")
    await pause(25)
    left = find()
  }
  if (runBase !== null) rmSync(join(runBase, "processes"), { recursive: true, force: true })
  return killed
}
