/**
 * Three real `flwd :serve` processes on one PostgreSQL (test/helpers/
 * cluster.ts), as users run them behind a load balancer: runs posted to
 * any server execute exactly once; a follower on any server receives every
 * event of a run executed elsewhere, in order, to the terminal event; a
 * cancel posted to one server ends a run executing on another; one
 * `Idempotency-Key` sent to two servers at once makes one run; and a server
 * killed with SIGKILL loses its running runs with `engine.node.lost` once
 * its lease runs out, while the others carry on.
 *
 * The jobs are local (host processes): `record` appends its `FLWD_RUN_ID`
 * to a file in a directory all servers share, so what ran is counted where
 * it ran, not from what the servers report; `sleepy` sleeps a number of
 * seconds unique to each case, so its processes are found by command line.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t, { type Test } from "tap"
import { bearer, type Cluster, type ClusterEvent, type ClusterNode, followRun, postRun, startCluster } from "../helpers/cluster.ts"
import { killSleeping, sleeping, until } from "../helpers/processes.ts"

// Three cold server starts, a PostgreSQL cluster and 300 runs on a loaded two-core machine.
t.setTimeout(300_000)

const RUNS = 300
const KILLED_SLEEP = 4871
const CANCELED_SLEEP = 4872
const terminal = new Set(["run.finished", "run.failed", "run.canceled"])
t.teardown(() => killSleeping(KILLED_SLEEP, CANCELED_SLEEP))

const dir = mkdtempSync(join(tmpdir(), "flwd-cluster-test-"))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const ledger = join(dir, "ran.txt")
const root = join(dir, "jobs")
const job = (id: string, config: string, script: string) => {
  mkdirSync(join(root, id), { recursive: true })
  writeFileSync(join(root, id, "config.yaml"), config)
  writeFileSync(join(root, id, "run.sh"), script, { mode: 0o755 })
}
job("record", "summary: Notes that it ran\ncommand: ./run.sh\ntimeout: 1m\n", `#!/bin/sh\nset -eu\necho "$FLWD_RUN_ID" >> '${ledger}'\necho recorded\n`)
job(
  "sleepy",
  "summary: Sleeps a while\ncommand: ./run.sh\nargspec:\n  args:\n    - { name: seconds, type: number, default: 30 }\ntimeout: 2h\n",
  '#!/bin/sh\nset -eu\necho "sleeping $ARG_SECONDS"\nsleep "$ARG_SECONDS"\n'
)
writeFileSync(ledger, "")

const cluster: Cluster = await startCluster(t, { servers: 3, root, nodeLease: "2s" })
const nodes = cluster.nodes

const ran = (): Map<string, number> => {
  const counts = new Map<string, number>()
  for (const id of readFileSync(ledger, "utf8").split("\n").filter((l) => l !== "")) counts.set(id, (counts.get(id) ?? 0) + 1)
  return counts
}

const runOf = async (node: ClusterNode, id: string) =>
  (await (await fetch(`${node.url}/runs/${id}`, { headers: bearer(cluster) })).json()) as { id: string; status: string; error: { code: string } | null }

/** Runs `task` over `items`, `width` at a time. */
async function pool<A, B>(items: ReadonlyArray<A>, width: number, task: (item: A, index: number) => Promise<B>): Promise<Array<B>> {
  const out: Array<B> = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await task(items[i], i)
    }
  }))
  return out
}

/** The node (of those alive) whose process tree holds the `sleep SECONDS` of run `id`, found in /proc. */
function executorOf(seconds: number, id: string): ClusterNode | undefined {
  for (const pid of sleeping(seconds)) {
    let environ = ""
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1")
    } catch {
      continue
    }
    if (!environ.split("\u0000").includes(`FLWD_RUN_ID=${id}`)) continue
    for (let p = pid; p > 1;) {
      const node = nodes.find((n) => n.pid === p)
      if (node !== undefined) return node
      try {
        p = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, "latin1"))![1])
      } catch {
        break
      }
    }
  }
  return undefined
}

const checkStream = (t: Test, events: ReadonlyArray<ClusterEvent>, id: string, what: string) => {
  const ids = events.map((e) => e.id)
  t.ok(ids.every((v, i) => i === 0 || v > ids[i - 1]), `${what}: ids increase`)
  t.ok(events.every((e) => e.run_id === id), `${what}: only its own events`)
  t.equal(events.filter((e) => e.type === "run.started").length, 1, `${what}: one run.started`)
  t.ok(terminal.has(events.at(-1)?.type ?? ""), `${what}: ends with its terminal event (${events.at(-1)?.type})`)
}

t.test(`${RUNS} runs posted round-robin run exactly once each; followers on other servers see every event in order`, async (t) => {
  const streams = await pool(Array.from({ length: RUNS }, (_, i) => i), 12, async (i) => {
    const posted = nodes[i % 3]
    const id = await postRun(cluster, posted, { job: "record" })
    // A follower on another server, attached while the run is queued or running; half over SSE.
    const follower = nodes[(i + 1 + (Math.random() < 0.5 ? 0 : 1)) % 3]
    return { id, posted, events: await followRun(cluster, follower, id, { format: i % 2 === 0 ? "ndjson" : "sse" }) }
  })
  const counts = ran()
  const ids = streams.map((s) => s.id)
  t.equal(new Set(ids).size, RUNS, "each POST made its own run")
  t.same(ids.filter((id) => counts.get(id) !== 1), [], "each run's job ran exactly once")
  const shown = (wrong: (types: ReadonlyArray<string>) => boolean) =>
    Promise.all(
      streams.filter((s) => wrong(s.events.map((e) => e.type))).map(async (s) => ({
        id: s.id,
        followed: s.events.map((e) => `${e.id}:${e.type}`),
        journal: (await followRun(cluster, s.posted, s.id)).map((e) => `${e.id}:${e.type}`)
      }))
    )
  t.same(
    await shown((types) => types.filter((x) => x === "run.started").length !== 1 || types.at(-1) !== "run.finished"),
    [],
    "every followed stream has one run.started and ends with run.finished"
  )
  t.same(
    (await shown((types) => types[0] !== "run.queued")).length,
    0,
    "every followed stream opens with run.queued"
  )
  for (const s of streams.filter((_, i) => i % 50 === 0)) checkStream(t, s.events, s.id, `run ${s.id}`)
  // What the follower received live is what the journal holds, read again from the server the run was posted to,
  // and a follower resuming with Last-Event-ID on a third server gets the rest and nothing else.
  for (const s of streams.filter((_, i) => i % 25 === 0)) {
    t.same((await followRun(cluster, s.posted, s.id)).map((e) => e.id), s.events.map((e) => e.id), `run ${s.id}: live = journal`)
    const resumed = await followRun(cluster, nodes[Math.floor(Math.random() * 3)], s.id, { lastEventId: s.events[1].id, format: "sse" })
    t.same(resumed.map((e) => e.id), s.events.slice(2).map((e) => e.id), `run ${s.id}: resumed after its second event`)
  }
  const statuses = await pool(ids, 8, async (id, i) => (await runOf(nodes[i % 3], id)).status)
  t.same(statuses.filter((s) => s !== "succeeded"), [], "every run succeeded")
})

t.test("a cancel posted to one server ends a run executing on another", async (t) => {
  const id = await postRun(cluster, nodes[0], { job: "sleepy", args: { seconds: CANCELED_SLEEP } })
  let executor: ClusterNode | undefined
  await until("the run's sleep to start", () => (executor = executorOf(CANCELED_SLEEP, id)) !== undefined, 120_000)
  const other = nodes.find((n) => n !== executor)!
  const follow = followRun(cluster, nodes.find((n) => n !== executor && n !== other)!, id)
  const res = await fetch(`${other.url}/runs/${id}:cancel`, { method: "POST", headers: bearer(cluster) })
  t.ok(res.status >= 200 && res.status < 300, `cancel answered ${res.status}`)
  const events = await follow
  t.equal(events.at(-1)?.type, "run.canceled")
  // The terminal event is journaled before the run's record is updated: the record follows.
  await until("the run's record to say canceled", async () => (await runOf(other, id)).status === "canceled", 60_000)
  await until("the canceled run's process to be gone", () => executorOf(CANCELED_SLEEP, id) === undefined, 60_000)
})

t.test("one Idempotency-Key posted to two servers at once makes one run", async (t) => {
  const key = `cluster-${process.pid}`
  const [one, two] = await Promise.all([
    postRun(cluster, nodes[0], { job: "record" }, { "idempotency-key": key }),
    postRun(cluster, nodes[1], { job: "record" }, { "idempotency-key": key })
  ])
  t.equal(one, two, "both answers name the same run")
  const events = await followRun(cluster, nodes[2], one)
  t.equal(events.at(-1)?.type, "run.finished")
  t.equal(ran().get(one), 1, "its job ran once")
})

t.test("a server killed with SIGKILL loses its running runs with engine.node.lost; the others carry on", async (t) => {
  const ids = await Promise.all(nodes.map((n) => postRun(cluster, n, { job: "sleepy", args: { seconds: KILLED_SLEEP } })))
  const where = new Map<string, ClusterNode>()
  await until("every sleepy run to be executing", () => {
    for (const id of ids) {
      const node = executorOf(KILLED_SLEEP, id)
      if (node !== undefined) where.set(id, node)
    }
    return where.size === ids.length
  }, 120_000)
  const victim = where.get(ids[0])!
  const lost = ids.filter((id) => where.get(id) === victim)
  const kept = ids.filter((id) => where.get(id) !== victim)
  const survivors = nodes.filter((n) => n !== victim)
  const killedAt = Date.now()
  await victim.kill9()
  await until("the killed server's runs to fail", async () => {
    const runs = await Promise.all(lost.map((id) => runOf(survivors[0], id)))
    return runs.every((r) => r.status === "failed")
  }, 120_000)
  const noticed = Date.now() - killedAt
  for (const id of lost) t.match(await runOf(survivors[1], id), { status: "failed", error: { code: "engine.node.lost" } }, `${id} lost with its node`)
  const events = await followRun(cluster, survivors[0], lost[0])
  t.equal(events.at(-1)?.type, "run.failed")
  t.comment(`lost runs failed ${noticed} ms after the kill (lease 2 s; bound 2.67 s plus polling)`)
  for (const id of kept) t.equal((await runOf(survivors[0], id)).status, "running", `${id}, on a live server, still runs`)
  // New runs, posted to each survivor, still run.
  for (const node of survivors) {
    const id = await postRun(cluster, node, { job: "record" })
    t.equal((await followRun(cluster, node, id)).at(-1)?.type, "run.finished")
    t.equal(ran().get(id), 1)
  }
  for (const id of kept) await fetch(`${survivors[0].url}/runs/${id}:cancel`, { method: "POST", headers: bearer(cluster) })
})
