/**
 * @module
 * Helpers shared by the executors: splitting process output into bounded
 * lines, materialising secrets as read-only files for one step, and finding
 * and stopping the processes a step started (the host's `/proc`, a PID
 * namespace, the records that survive a crash).
 */
export { type LineSplitter, makeLineSplitter, MAX_LINE_BYTES } from "./line-splitter.ts"
export { removeSecrets, writeSecrets } from "./secrets.ts"
export { prepareError } from "./prepare-error.ts"
export { hasEnv, isLive, listPids, type ProcStat, readStat, signalAll } from "./proc.ts"
export { namespaceMembers } from "./pid-namespace.ts"
export { type BwrapStatus, readBwrapStatus } from "./bwrap-status.ts"
export { findProgram } from "./find-program.ts"
export { killGroup } from "./kill-group.ts"
export { type Leader, liveProcesses, markedProcesses, reapRun, recordFile, removeRecord, runMarker, sessionMembers, writeRecord } from "./leftovers.ts"
