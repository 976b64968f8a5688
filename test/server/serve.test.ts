import { execFile } from "node:child_process"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { promisify } from "node:util"
import t from "tap"
import { findCommand } from "../../cli/registry.ts"
import { untracked } from "../helpers/untracked.ts"
import { auth, jobsRoot, jsonHeaders, readSse, repoRoot, spawnServer, terminalTypes } from "./_helpers.ts"

const run = promisify(execFile)

// Seven cold process starts (the contract of the server's command line):
// 14 s on an idle machine, 88 s at a load average of 10 on two cores, so the
// file sets its own bound above tap's 120 s.
t.setTimeout(300_000)

const curlAvailable = await run("curl", ["--version"]).then(() => true, () => false)

const statuses = (dataDir: string): Array<{ id: string; status: string }> => {
  const db = new DatabaseSync(join(dataDir, "flwd.db"), { readOnly: true })
  try {
    return db.prepare("SELECT id, status FROM runs").all() as Array<{ id: string; status: string }>
  } finally {
    db.close()
  }
}

t.test("--bind 127.0.0.1:0 prints the real port; the seed curl works verbatim with --dev", async (t) => {
  const dataDir = t.testdir()
  const server = await spawnServer(["--dev", "--root", "examples/jobs", "--data-dir", dataDir])
  t.teardown(() => void server.child.kill("SIGKILL"))
  t.match(server.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
  const body = '{"job":"hello-world","args":{"name":"Alice"}}'
  if (curlAvailable) {
    const { stdout } = await run("curl", [
      "-s",
      "-X",
      "POST",
      `${server.url}/plans`,
      "-H",
      "Authorization: Bearer dev-token",
      "-H",
      "Content-Type: application/json",
      "-d",
      body
    ])
    t.match(JSON.parse(stdout), { job_id: "hello-world", args: { name: "Alice", loud: false }, profile: "secure" })
  }
  const res = await fetch(`${server.url}/plans`, { method: "POST", headers: { authorization: "Bearer dev-token", "content-type": "application/json" }, body })
  t.equal(res.status, 200)
  t.match(await res.json(), { job_id: "hello-world", args: { name: "Alice" } })
  t.equal((await fetch(`${server.url}/healthz`)).status, 200)
  t.equal((await fetch(`${server.url}/metrics`)).status, 200, "metrics open on loopback")
  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0)
})

t.test("--dev refuses a non-loopback bind with exit 2", async (t) => {
  const dataDir = t.testdir()
  for (const bind of ["0.0.0.0:0", "[::]:0"]) {
    const result = await run(...untracked([process.execPath, "server/main.ts", "--dev", "--bind", bind, "--root", jobsRoot, "--data-dir", dataDir]), {
      cwd: repoRoot,
      env: { ...process.env, NODE_NO_WARNINGS: "1" }
    })
      .then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e)
    t.equal(result.code, 2, bind)
    t.match(result.stderr, /--dev .*loopback/)
  }
  const bad = await run(...untracked([process.execPath, "server/main.ts", "--bind", "nonsense:port"]), {
    cwd: repoRoot,
    env: { ...process.env, NODE_NO_WARNINGS: "1" }
  })
    .then(() => ({ code: 0, stderr: "" }), (e: { code: number; stderr: string }) => e)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--bind/)
})

t.test("SIGTERM waits for runs within the grace period; subscribers see the end", async (t) => {
  const dataDir = t.testdir()
  const server = await spawnServer(["--root", jobsRoot, "--data-dir", dataDir, "--grace", "60s"], { FLWD_TOKENS: "all:*" })
  t.teardown(() => void server.child.kill("SIGKILL"))
  const started = await fetch(`${server.url}/runs`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "sleepy", args: { seconds: 1 } }) })
  const { id } = await started.json() as { id: string }
  const events: Array<{ type: string }> = []
  const follow = fetch(`${server.url}/runs/${id}/events`, { headers: auth() }).then((res) =>
    readSse(res, (f) => {
      if (f.data !== undefined) events.push(JSON.parse(f.data))
      if (f.event === "run.started") server.child.kill("SIGTERM")
    })
  )
  // A global stream stays open until shutdown ends it.
  const global = fetch(`${server.url}/events`, { headers: auth() }).then((res) => readSse(res, () => false))
  t.equal(await server.exited, 0)
  t.equal(await follow, "ended")
  t.equal(events[events.length - 1]?.type, "run.finished", "the run finished within the grace period")
  t.equal(await global, "ended")
  t.same(statuses(dataDir).map((r) => r.status), ["succeeded"])
})

t.test("SIGTERM past the grace period cancels what remains: no run is left running", async (t) => {
  const dataDir = t.testdir()
  const server = await spawnServer(["--root", jobsRoot, "--data-dir", dataDir, "--grace", "200ms"], { FLWD_TOKENS: "all:*" })
  t.teardown(() => void server.child.kill("SIGKILL"))
  const ids: Array<string> = []
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/runs`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "sleepy", args: { seconds: 60 } }) })
    ids.push((await res.json() as { id: string }).id)
  }
  // Wait until the first run has started, so it is running when the signal arrives.
  await fetch(`${server.url}/runs/${ids[0]}/events`, { headers: auth() }).then((res) => readSse(res, (f) => f.event === "log"))
  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0)
  const rows = statuses(dataDir)
  t.equal(rows.length, 3)
  t.notOk(rows.some((r) => r.status === "running" || r.status === "queued"), JSON.stringify(rows))
  t.match(server.stderr(), /canceling/)
  t.ok(terminalTypes.length > 0)
})

t.test("flwd :serve runs the same server", async (t) => {
  t.ok(findCommand(":serve"), "the CLI registers :serve")
  const dataDir = t.testdir()
  const { spawn } = await import("node:child_process")
  const env = { ...process.env, NODE_NO_WARNINGS: "1" }
  const child = spawn(
    ...untracked([process.execPath, "cli/main.ts", ":serve", "--bind", "127.0.0.1:0", "--dev", "--root", jobsRoot, "--data-dir", dataDir], env),
    {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  t.teardown(() => void child.kill("SIGKILL"))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
      const m = /flwd listening on (\S+)/.exec(out)
      if (m) resolve(m[1])
    })
    child.on("exit", (code) => reject(new Error(`exited ${code}`)))
  })
  t.equal((await fetch(`${url}/jobs`, { headers: { authorization: "Bearer dev-token" } })).status, 200)
  const exited = new Promise((r) => child.on("exit", r))
  child.kill("SIGTERM")
  t.equal(await exited, 0)
})
