/**
 * Two real `flwd :serve` processes on one PostgreSQL that restarts while a
 * run prints: the run ends as it would have, every line it printed is in
 * its journal and reaches a follower on the other server, and new runs are
 * claimed and run afterwards. The restart is `pg_ctl restart -m fast`, as
 * an operator's or a failover's.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t from "tap"
import { type Cluster, type ClusterEvent, type ClusterNode, followRun, postRun, startCluster } from "../helpers/cluster.ts"
import { until } from "../helpers/processes.ts"
import { postgresBinDir, startPostgres } from "../helpers/postgres.ts"

t.setTimeout(300_000)

const dir = mkdtempSync(join(tmpdir(), "flwd-db-restart-"))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const root = join(dir, "jobs")
mkdirSync(join(root, "ticks"), { recursive: true })
writeFileSync(join(root, "ticks", "config.yaml"), "summary: Prints a line every 0.2 s until told to stop\ncommand: ./run.sh\ntimeout: 5m\n")
// The job prints a numbered line every 0.2 s until a file appears, so it prints across the restart
// whatever the load, then one last line.
const gate = join(dir, "gate")
writeFileSync(
  join(root, "ticks", "run.sh"),
  `#!/bin/sh\nset -eu\ni=0\nwhile [ ! -e '${gate}' ]; do i=$((i + 1)); echo "tick $i"; sleep 0.2; done\necho last\n`,
  { mode: 0o755 }
)

/**
 * Follows a run as a client does: a stream that read the journal while the database was down ends
 * with an `error` event (`store.failed`), and the client resumes it with `Last-Event-ID`.
 */
async function followResuming(cluster: Cluster, node: ClusterNode, runId: string, onEvent: (e: ClusterEvent) => void) {
  const events: Array<ClusterEvent> = []
  for (;;) {
    const got = await followRun(cluster, node, runId, { lastEventId: events.at(-1)?.id, onEvent })
    const ended = got.at(-1)?.type === "error"
    events.push(...(ended ? got.slice(0, -1) : got))
    if (!ended) return events
    await new Promise((resume) => setTimeout(resume, 500))
  }
}

t.test("a PostgreSQL restart during a run loses none of its output; runs go on after it", async (t) => {
  const postgres = await startPostgres(t)
  const cluster = await startCluster(t, { servers: 2, root, postgres, nodeLease: "10s" })
  const [a, b] = cluster.nodes
  const id = await postRun(cluster, a, { job: "ticks" })
  const seen: Array<string> = []
  const followed = followResuming(cluster, b, id, (e) => void (e.type === "log" ? seen.push(String(e.data.line)) : undefined))
  await until("the first lines to reach the follower", () => seen.includes("tick 5"), 120_000)

  const restart = spawnSync(
    process.getuid?.() === 0 ? "runuser" : join(postgresBinDir(), "pg_ctl"),
    [
      ...(process.getuid?.() === 0 ? ["-u", "postgres", "--", join(postgresBinDir(), "pg_ctl")] : []),
      "restart",
      "-D",
      join(postgres.socketDir, "data"),
      "-l",
      join(postgres.socketDir, "server.log"),
      "-m",
      "fast",
      "-w",
      "-t",
      "120"
    ],
    // The server inherits no pipe of ours, or this call would wait for it to exit.
    { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", timeout: 180_000 }
  )
  t.equal(restart.status, 0, restart.stderr)
  // A few lines after the restart too, then the end.
  const printed = seen.length
  await until("lines after the restart to reach the follower", () => seen.length >= printed + 5, 120_000).catch(() => undefined)
  writeFileSync(gate, "")

  const events = await followed
  t.equal(events.at(-1)?.type, "run.finished", "the follower on the other server saw the run end")
  const lines = events.filter((e) => e.type === "log").map((e) => String(e.data.line))
  t.same(lines, [...Array.from({ length: lines.length - 1 }, (_, i) => `tick ${i + 1}`), "last"], "every line the job printed, in order")
  t.ok(lines.length > 10, `lines from before and after the restart (${lines.length})`)
  const journal = await followRun(cluster, a, id)
  t.same(journal.map((e) => e.id), events.map((e) => e.id), "what the follower got is the journal")

  const after = await postRun(cluster, b, { job: "ticks" })
  writeFileSync(gate, "")
  t.equal((await followRun(cluster, a, after)).at(-1)?.type, "run.finished", "a run posted after the restart runs")
})
