/**
 * The plugin loaded with `--plugin` by the `flwd` binary and by `flwd
 * :serve`, its jobs planned and run end to end.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { helloTree, sha256, staticServer, tarGz } from "./_archive.ts"
import { env, flwd, flwdMain, plugin, work } from "./_flwd.ts"
import { untracked } from "../../../../test/helpers/untracked.ts"

t.test("flwd --plugin adds an http-archive source and runs its job", async (t) => {
  const cwd = work(t, "flwd-archive-cli-")
  const archive = await tarGz(helloTree("CLI hello,"))
  const server = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(server.stop)
  const add = await flwd(cwd, [
    "--plugin",
    plugin,
    ":sources",
    "add",
    "--type",
    "http-archive",
    "--name",
    "tools",
    "--url",
    server.url("/tools.tar.gz"),
    "--set",
    `sha256=${sha256(archive)}`
  ])
  t.equal(add.code, 0, add.stderr)
  const plan = await flwd(cwd, ["--plugin", plugin, ":plan", "tools/hello", "--who", "Ada", "--json"])
  t.match(JSON.parse(plan.stdout), { job_id: "tools/hello", args: { who: "Ada" } })
  const run = await flwd(cwd, ["--plugin", plugin, "tools/hello", "--who", "Ada"])
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /CLI hello, Ada/)
  const without = await flwd(cwd, [":sources", "show", "tools"])
  t.match(without.stdout, /source\.type\.unknown|failed/, "without the plugin the stored source cannot load, and says why")
  const wrong = await flwd(cwd, [
    "--plugin",
    plugin,
    ":sources",
    "add",
    "--type",
    "http-archive",
    "--name",
    "bad",
    "--url",
    server.url("/tools.tar.gz"),
    "--set",
    `sha256=${"ab".repeat(32)}`
  ])
  t.equal(wrong.code, 1)
  t.match(wrong.stderr, /archive\.digest\.mismatch/)
  t.match(wrong.stderr, /^ {2}sha256: /m)
})

t.test("flwd :serve --plugin serves the plugin's sources over HTTP", async (t) => {
  const cwd = work(t, "flwd-archive-cli-")
  const archive = await tarGz(helloTree("Served hello,"))
  const files = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(files.stop)
  const serverEnv = env()
  const child = spawn(
    ...untracked([
      process.execPath,
      flwdMain,
      ":serve",
      "--dev",
      "--bind",
      "127.0.0.1:0",
      "--plugin",
      plugin,
      "--data-dir",
      join(cwd, "data"),
      "--root",
      join(cwd, "jobs")
    ], serverEnv),
    { cwd, env: serverEnv }
  )
  t.teardown(() => void child.kill("SIGKILL"))
  const url = await new Promise<string>((res, rej) => {
    let out = ""
    child.stdout.on("data", (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) res(m[1])
    })
    child.on("exit", (code) => rej(new Error(`:serve exited ${code}`)))
  })
  const headers = { authorization: "Bearer dev-token", "content-type": "application/json" }
  const added = await fetch(`${url}/sources`, {
    method: "POST",
    headers,
    body: JSON.stringify({ type: "http-archive", name: "tools", url: files.url("/tools.tar.gz"), sha256: sha256(archive) })
  })
  t.equal(added.status, 201)
  const wrong = await fetch(`${url}/sources`, {
    method: "POST",
    headers,
    body: JSON.stringify({ type: "http-archive", name: "bad", url: files.url("/tools.tar.gz"), sha256: "cd".repeat(32) })
  })
  t.equal(wrong.status, 422)
  t.match(await wrong.json(), { code: "archive.digest.mismatch", errors: [{ path: "sha256" }] })
  const plan = await fetch(`${url}/plans`, { method: "POST", headers, body: JSON.stringify({ job: "tools/hello", args: { who: "Cy" } }) })
  t.match(await plan.json(), { job_id: "tools/hello", args: { who: "Cy" } })
  const started = await fetch(`${url}/runs`, { method: "POST", headers, body: JSON.stringify({ job: "tools/hello", args: { who: "Cy" } }) })
  t.equal(started.status, 202)
  const { id } = await started.json() as { id: string }
  const events = await (await fetch(`${url}/runs/${id}/events?format=ndjson`, { headers })).text()
  t.match(events, /Served hello, Cy/)
  const run = await (await fetch(`${url}/runs/${id}`, { headers })).json() as { status: string }
  t.equal(run.status, "succeeded")
  child.kill("SIGTERM")
})
