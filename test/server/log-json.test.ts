/**
 * `flwd :serve --log json` (issue 15, item 7): the real CLI serving on a
 * loopback socket writes one JSON object a line on stderr, with `time`,
 * `level` and `message`; each request is a line carrying the id returned
 * as `x-request-id` (the caller's own when sane); a failed source add is a
 * line with its `code` and `source`; `--log text` keeps the plain lines.
 */
import { type ChildProcess, spawn } from "node:child_process"
import t from "tap"
import { jobsRoot, repoRoot, spawnListening } from "./_helpers.ts"
import { untracked } from "../helpers/untracked.ts"

interface Served {
  readonly child: ChildProcess
  readonly url: string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

/** `flwd :serve` from the CLI, once it prints its URL. */
function serve(args: ReadonlyArray<string>, env: Record<string, string>): Promise<Served> {
  return spawnListening(["cli/main.ts", "--root", jobsRoot, ":serve", "--bind", "127.0.0.1:0", ...args], { FLWD_TOKENS: "all:*", ...env })
}

async function until<A>(what: string, get: () => A, ok: (a: A) => boolean, ms = 60_000): Promise<A> {
  const end = Date.now() + ms
  for (;;) {
    const value = get()
    if (ok(value)) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

type Line = Record<string, unknown>
const lines = (text: string): Array<string> => text.split("\n").filter((l) => l !== "")

t.test("--log json: every line is an object; requests carry x-request-id; a failed add its code", async (t) => {
  const server = await serve(["--log", "json"], { FLWD_DATA_DIR: t.testdir() })
  t.teardown(() => void server.child.kill("SIGKILL"))
  const auth = { authorization: "Bearer all" }

  const jobs = await fetch(`${server.url}/jobs`, { headers: auth })
  t.equal(jobs.status, 200)
  await jobs.arrayBuffer()
  const id = jobs.headers.get("x-request-id")
  t.match(id, /^[0-9a-f-]{36}$/, "a fresh request id on the answer")

  const mine = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "proxy-42.a" } })
  await mine.arrayBuffer()
  t.equal(mine.headers.get("x-request-id"), "proxy-42.a", "a sane incoming id is kept")
  const forged = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": 'a b"c' } })
  await forged.arrayBuffer()
  t.not(forged.headers.get("x-request-id"), 'a b"c', "anything else is replaced")

  const refused = await fetch(`${server.url}/sources`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ type: "oci", name: "addon", ref: "127.0.0.1:1/example/addon:1.0.0" })
  })
  const problem = await refused.json() as { code: string }
  t.ok(refused.status >= 400, "the add is refused")

  const parsed = (): Array<Line> => lines(server.stderr()).filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Line)
  await until("the failure line", parsed, (all) => all.some((l) => l.code === problem.code && l.event === "source.failed"))
  await until("the request lines", parsed, (all) => all.filter((l) => l.method !== undefined).length >= 4)

  for (const line of lines(server.stderr())) {
    const object = JSON.parse(line) as Line
    t.type(object.time, "string", line)
    t.ok(!Number.isNaN(Date.parse(object.time as string)), "time is a timestamp")
    t.match(object.level, /^(info|warn|error)$/)
    t.type(object.message, "string")
  }
  const all = parsed()
  t.match(all.find((l) => l.request_id === id), { level: "info", method: "GET", path: "/jobs", status: 200, duration_ms: Number })
  t.match(all.find((l) => l.request_id === "proxy-42.a"), { path: "/healthz", status: 200 })
  t.match(all.find((l) => l.event === "source.failed"), { level: "error", code: problem.code, source: "addon" })
  t.ok(all.some((l) => l.event === "policy.decision" && l.code === problem.code), "the admission decision is logged")
  t.match(all.find((l) => l.method === "POST"), { path: "/sources", status: refused.status })

  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0)
})

t.test("--log text (the default) keeps the plain lines; a bad --log is a usage error", async (t) => {
  const server = await serve([], { FLWD_DATA_DIR: t.testdir() })
  t.teardown(() => void server.child.kill("SIGKILL"))
  const refused = await fetch(`${server.url}/sources`, {
    method: "POST",
    headers: { authorization: "Bearer all", "content-type": "application/json" },
    body: JSON.stringify({ type: "oci", name: "addon", ref: "127.0.0.1:1/example/addon:1.0.0" })
  })
  await refused.arrayBuffer()
  await until("the failure line", server.stderr, (e) => e.includes("source.failed"))
  t.match(server.stderr(), /^flwd: source\.failed: addon \(oci\) add: /m)
  t.notMatch(server.stderr(), /^\{/m, "no JSON in text mode")
  t.notMatch(server.stderr(), /POST \/sources/, "requests are not logged in text mode")
  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0)

  const bad = spawn(...untracked([process.execPath, "cli/main.ts", ":serve", "--log", "xml"]), {
    cwd: repoRoot,
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let err = ""
  bad.stderr!.on("data", (d) => (err += d))
  const code = await new Promise<number | null>((resolve) => bad.on("exit", resolve))
  t.equal(code, 2)
  t.match(err, /--log must be one of text, json/)
})
