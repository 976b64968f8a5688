/**
 * The seed workflow over the real HTTP server (`flwd :serve --dev`), with
 * the request bodies of the seed's curl commands.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { cpSync, existsSync } from "node:fs"
import { join } from "node:path"
import { examples, repo, tempDir } from "../../../helpers/engine.ts"
import { startRegistry } from "../../../helpers/registry.ts"
import { pushAddon, testPolicy, writePolicyFile } from "./_addon.ts"
import { untracked } from "../../../helpers/untracked.ts"

const sandboxAvailable = existsSync(join(repo, "plugins/executors/sandbox/mod.ts"))

async function serve(t: Parameters<typeof tempDir>[0], policyFile: string, dir: string): Promise<string> {
  const child = spawn(
    ...untracked([
      process.execPath,
      "cli/main.ts",
      ":serve",
      "--dev",
      "--bind",
      "127.0.0.1:0",
      "--policy",
      policyFile,
      "--data-dir",
      join(dir, "data"),
      "--root",
      join(dir, "jobs")
    ]),
    { cwd: repo, env: { ...process.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: "" }, stdio: ["ignore", "pipe", "pipe"] }
  )
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  t.teardown(async () => {
    child.kill("SIGTERM")
    await exited
  })
  let out = ""
  let err = ""
  child.stderr.on("data", (d: Buffer) => (err += d.toString()))
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      const m = /flwd listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) resolve(m[1])
    })
    void exited.then(() => reject(new Error(`the server exited: ${err}`)))
  })
}

const headers = { authorization: "Bearer dev-token", "content-type": "application/json" }

t.test("POST /sources adds the seed add-on; POST /plans plans addon/hello-world with its source block", async (t) => {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  const dir = tempDir(t, "flwd-oci-http-")
  cpSync(examples, join(dir, "jobs"), { recursive: true })
  const url = await serve(t, writePolicyFile(dir, testPolicy(registry.host)), dir)

  const body = `{"type":"oci","name":"addon","ref":"${registry.host}/example/addon:1.0.0","trusted":true,"pull_policy":"on-add"}`
  const added = await fetch(`${url}/sources`, { method: "POST", headers, body })
  const source = await added.json() as Record<string, any>
  t.equal(added.status, 201, JSON.stringify(source))
  t.match(source, { name: "addon", type: "oci", status: "ready", job_count: 1, provenance: { digest, addon: { name: "Hello Tools", version: "1.0.0" } } })

  const plan = await fetch(`${url}/plans`, { method: "POST", headers, body: `{"job":"addon/hello-world","args":{"name":"Alice"}}` })
  const planBody = await plan.json() as Record<string, any>
  t.equal(plan.status, 200, JSON.stringify(planBody))
  t.match(planBody, {
    job_id: "addon/hello-world",
    source: "addon",
    provenance: { type: "oci", ref: `${registry.host}/example/addon:1.0.0`, digest, addon: { name: "Hello Tools", version: "1.0.0" } }
  })

  const jobs = await (await fetch(`${url}/jobs`, { headers })).json() as { items?: Array<Record<string, any>> } | Array<Record<string, any>>
  const list = Array.isArray(jobs) ? jobs : jobs.items ?? []
  t.match(list.find((j) => j.id === "addon/hello-world"), { source: { name: "addon", type: "oci", provenance: { digest } } })

  const untrusted = await fetch(`${url}/sources`, { method: "POST", headers, body: body.replace('"trusted":true', '"trusted":false') })
  t.equal(untrusted.status, 422)
  t.match(await untrusted.json(), { code: "source.trust.required", errors: [{ path: "trusted" }] })

  if (sandboxAvailable) {
    const run = await fetch(`${url}/runs`, { method: "POST", headers, body: `{"job":"addon/hello-world","args":{"name":"Alice"}}` })
    const started = await run.json() as { id: string }
    t.equal(run.status, 202)
    const events = await (await fetch(`${url}/runs/${started.id}/events`, { headers: { authorization: "Bearer dev-token" } })).text()
    t.match(events, /Hello, Alice! from the add-on image/, "the run printed from inside the image")
    t.match(events, /event: run\.finished/)
  }

  const removed = await fetch(`${url}/sources/addon`, { method: "DELETE", headers })
  t.ok(removed.status === 204 || removed.status === 200)
  const gone = await fetch(`${url}/plans`, { method: "POST", headers, body: `{"job":"addon/hello-world","args":{"name":"Alice"}}` })
  t.equal(gone.status, 404)
})
