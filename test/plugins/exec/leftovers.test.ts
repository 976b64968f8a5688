/**
 * After a crash, the processes a fallback-contained run left are found
 * from its record (the session and group of each step's leader, even for a
 * process that cleared its environment) and its marker (what left the
 * session with `setsid`), and killed; a pid that now names another process
 * is spared.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { readStat, reapRun, recordFile, writeRecord } from "../../../plugins/exec/mod.ts"
import { tempDir } from "../../helpers/engine.ts"
import { killSleeping, sleeping, until } from "../../helpers/processes.ts"

const PATH = "/usr/bin:/bin"

t.test("reapRun() kills the recorded session and the run's marked processes, then drops the records", async (t) => {
  t.teardown(() => killSleeping(5181, 5182, 5183))
  const base = tempDir(t, "flwd-reap-")
  const leader = spawn("/bin/sh", ["-c", "env -i sleep 5181 & setsid sleep 5182 & exec sleep 5183"], {
    detached: true,
    env: { PATH, FLWD_RUN_ID: "run_reap_a" },
    stdio: "ignore"
  })
  leader.unref()
  await until("the run's processes to start", () => [5181, 5182, 5183].every((n) => sleeping(n).length > 0))
  writeRecord(recordFile(base, "main"), { pid: leader.pid!, start: readStat(leader.pid!)!.start })
  await reapRun(base, "run_reap_a")
  t.same(sleeping(5181), [], "the group member without the marker is gone")
  t.same(sleeping(5182), [], "the setsid'ed process with the marker is gone")
  t.same(sleeping(5183), [], "the leader is gone")
  t.notOk(existsSync(join(base, "processes")), "the records are removed")
})

t.test("reapRun() spares a process whose pid was recorded for an earlier one", async (t) => {
  t.teardown(() => killSleeping(5184))
  const base = tempDir(t, "flwd-reap-")
  const other = spawn("sleep", ["5184"], { detached: true, env: { PATH }, stdio: "ignore" })
  other.unref()
  await until("the other process to start", () => sleeping(5184).length > 0)
  // Same pid, another start time: the recorded leader is long gone.
  writeRecord(recordFile(base, "main"), { pid: other.pid!, start: readStat(other.pid!)!.start - 1 })
  await reapRun(base, "run_reap_b")
  t.same(sleeping(5184), [other.pid], "the unrelated process still runs")
})
