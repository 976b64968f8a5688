/**
 * A secret argument's default through the real server over a loopback
 * socket: `GET /jobs`, `GET /jobs/{id}`, `POST /plans`, `POST /runs`, the
 * run's events, `GET /runs/{id}`, `GET /runs`, `/metrics` and the server's
 * log never show it, nor do the SQLite `runs` and `events` tables; the job
 * still reads it from its secret file. Argument keys that name no argument
 * (`__proto__` included, which JSON.parse makes an own key) are
 * `args.invalid` naming the field, like any unknown argument.
 */
import t, { type Test } from "tap"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { auth, jsonHeaders, serverFor, sseEvents } from "./_helpers.ts"
import { tempDir } from "../helpers/engine.ts"
import { SECRET_DEFAULT, sha256, writeVaultJob } from "../helpers/vault-job.ts"

async function vaultServer(t: Test) {
  // Not t.testdir(): the engine helper asks for one too, which would empty it.
  const dir = tempDir(t)
  const root = join(dir, "jobs")
  const dataDir = join(dir, "data")
  writeVaultJob(root)
  const logs: Array<string> = []
  const { url } = await serverFor(t, { log: (m) => logs.push(m) }, { root, dataDir, allowedLocalRoots: [dir] })
  return { url, dataDir, logs }
}

/** Every value of a column of a table, read directly from the data directory's database. */
function column(dataDir: string, sql: string): Array<string> {
  const db = new DatabaseSync(join(dataDir, "flwd.db"), { readOnly: true })
  try {
    return (db.prepare(sql).all() as Array<Record<string, string>>).map((row) => Object.values(row).join("\t"))
  } finally {
    db.close()
  }
}

t.test("a secret default is bound to the job yet shown by no route, log or table", async (t) => {
  const { url, dataDir, logs } = await vaultServer(t)
  const seen: Array<[string, string]> = []
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: auth() })
    const text = await res.text()
    seen.push([`GET ${path}`, text])
    t.equal(res.status, 200, `GET ${path}`)
    return text
  }
  const post = async (path: string, body: unknown, status: number) => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) })
    const text = await res.text()
    seen.push([`POST ${path}`, text])
    t.equal(res.status, status, `POST ${path}`)
    return JSON.parse(text) as Record<string, any>
  }

  await get("/jobs")
  const detail = JSON.parse(await get("/jobs/vault")) as Record<string, any>
  t.match(detail.argspec.args[0], { name: "token", format: "secret", default: "***" }, "the argspec shows a default exists")
  t.match(detail.args_schema.properties.token, { writeOnly: true, "x-has-default": true })
  t.notOk("default" in detail.args_schema.properties.token)
  const plan = await post("/plans", { job: "vault" }, 200)
  t.equal(plan.args.token, "***")
  const run = await post("/runs", { job: "vault" }, 202)
  const events = await sseEvents(await fetch(`${url}/runs/${run.id}/events`, { headers: auth() }))
  seen.push(["events", JSON.stringify(events)])
  t.equal(events.at(-1)?.type, "run.finished")
  const lines = events.filter((e) => e.type === "log").map((e) => String(e.data.line))
  t.ok(lines.includes(`length=${SECRET_DEFAULT.length}`), "the job read the default from its secret file")
  t.ok(lines.includes(`sha256=${sha256(SECRET_DEFAULT)}`))
  t.ok(lines.includes("raw=***"), "what the job printed of it is masked")
  await get(`/runs/${run.id}`)
  await get("/runs")
  await get("/metrics")
  seen.push(["server log", logs.join("\n")])
  seen.push(["runs table", column(dataDir, "SELECT * FROM runs").join("\n")])
  seen.push(["events table", column(dataDir, "SELECT * FROM events").join("\n")])
  t.ok(column(dataDir, "SELECT record FROM runs").length > 0 && column(dataDir, "SELECT data FROM events").length > 0, "the tables were read")
  for (const [where, text] of seen) t.notOk(text.includes(SECRET_DEFAULT), `not in ${where}`)
  // The database file and its write-ahead log, byte for byte.
  for (const name of readdirSync(dataDir).filter((n) => n.startsWith("flwd.db"))) {
    t.notOk(readFileSync(join(dataDir, name)).includes(SECRET_DEFAULT), `not in ${name}`)
  }
})

t.test("POST /plans and POST /runs answer a __proto__ argument like any unknown one: args.invalid", async (t) => {
  const { url } = await vaultServer(t)
  // The reference: an ordinary unknown argument (args.invalid is 422 in the problem table).
  const unknown = await fetch(`${url}/plans`, { method: "POST", headers: jsonHeaders(), body: `{"job":"vault","args":{"nope":1}}` })
  t.match(await unknown.json(), { code: "args.invalid", errors: [{ path: "args.nope" }] })
  for (const key of ["__proto__", "constructor", "prototype"]) {
    for (const path of ["/plans", "/runs"]) {
      // Written as text: JSON.stringify of an object literal could not carry an own __proto__.
      const body = `{"job":"vault","args":{"${key}":{"token":"x"}}}`
      const res = await fetch(`${url}${path}`, { method: "POST", headers: jsonHeaders(), body })
      const problem = await res.json() as { code: string; errors: Array<{ path: string; message: string }> }
      t.equal(res.status, unknown.status, `${path} ${key}`)
      t.equal(problem.code, "args.invalid", `${path} ${key}`)
      t.same(problem.errors, [{ path: `args.${key}`, message: "is not an argument of this job" }], `${path} ${key}`)
    }
  }
  const runs = await (await fetch(`${url}/runs`, { headers: auth() })).json() as { items: Array<unknown> }
  t.equal(runs.items.length, 0, "no run was started")
})

t.test("a __proto__ key inside an object argument reaches the plan as data", async (t) => {
  const { url } = await vaultServer(t)
  const body = `{"job":"vault","args":{"meta":{"__proto__":{"polluted":true},"a":1}}}`
  const res = await fetch(`${url}/plans`, { method: "POST", headers: jsonHeaders(), body })
  t.equal(res.status, 200)
  const text = await res.text()
  t.match(text, `"meta":{"__proto__":{"polluted":true},"a":1}`)
})
