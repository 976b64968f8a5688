import { writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { sandbox, waitForOutput } from "../cli/_flwd.ts"
import { appFor, auth, jobsRoot, jsonHeaders, serverFor, spawnServer } from "./_helpers.ts"
import { rawRequest } from "./_raw-http.ts"

const runBody = JSON.stringify({ job: "echo", args: {} })

t.test("a loopback server refuses a foreign Host with 421 and starts no run (DNS rebinding)", async (t) => {
  const { url } = await serverFor(t)
  const port = new URL(url).port
  for (const host of ["attacker.example", `attacker.example:${port}`, "127.0.0.1.attacker.example", "localhost.attacker.example", "app.localhost"]) {
    const jobs = await rawRequest(url, { path: "/jobs", host, headers: auth() })
    t.equal(jobs.status, 421, `GET /jobs with Host ${host}`)
    t.match(jobs.headers["content-type"], /^application\/problem\+json/)
    t.match(JSON.parse(jobs.body), { status: 421, code: "request.host.not.allowed", errors: [{ path: "Host" }] })
    t.notMatch(jobs.body, /"jobs"|echo/, "no catalogue leaks")
  }
  const run = await rawRequest(url, { method: "POST", path: "/runs", host: "attacker.example", headers: jsonHeaders(), body: runBody })
  t.equal(run.status, 421)
  t.equal(JSON.parse(run.body).code, "request.host.not.allowed")
  const health = await rawRequest(url, { path: "/healthz", host: "attacker.example" })
  t.equal(health.status, 421, "/healthz is not exempt")
  const runs = await fetch(`${url}/runs`, { headers: auth() })
  t.same((await runs.json() as { items: Array<unknown> }).items, [], "no run was created")
})

t.test("a loopback server accepts loopback names and addresses, with or without a port", async (t) => {
  const { url } = await serverFor(t)
  const port = new URL(url).port
  const hosts = ["localhost", `localhost:${port}`, "LOCALHOST", "127.0.0.1", `127.0.0.1:${port}`, "127.1.2.3", "[::1]", `[::1]:${port}`]
  for (const host of hosts) {
    const res = await rawRequest(url, { path: "/jobs", host, headers: auth() })
    t.equal(res.status, 200, `Host ${host}`)
  }
  const run = await rawRequest(url, { method: "POST", path: "/runs", host: `localhost:${port}`, headers: jsonHeaders(), body: runBody })
  t.equal(run.status, 202)
})

t.test("createApp: allowedHosts admits a proxy's name; the check is on for loopback or a list", async (t) => {
  const { app } = await appFor(t, { allowedHosts: ["flwd.proxy.example", "*.apps.example"] })
  const status = async (host: string) => (await app.request("/jobs", { headers: { ...auth(), host } })).status
  t.equal(await status("flwd.proxy.example"), 200)
  t.equal(await status("FLWD.proxy.example:443"), 200)
  t.equal(await status("a.apps.example"), 200, "a wildcard admits subdomains")
  t.equal(await status("apps.example"), 421, "but not the bare name")
  t.equal(await status("localhost:8080"), 200, "loopback names stay allowed")
  t.equal(await status("attacker.example"), 421)
  t.equal(await status("flwd.proxy.example@attacker.example"), 421, "no userinfo tricks")

  // A public bind without a list does no check (there is no loopback to protect) ...
  const { app: open } = await appFor(t, { loopback: false })
  t.equal((await open.request("/jobs", { headers: { ...auth(), host: "attacker.example" } })).status, 200)
  // ... and with one, it enforces it.
  const { app: listed } = await appFor(t, { loopback: false, allowedHosts: ["flwd.proxy.example"] })
  t.equal((await listed.request("/jobs", { headers: { ...auth(), host: "attacker.example" } })).status, 421)
  t.equal((await listed.request("/jobs", { headers: { ...auth(), host: "flwd.proxy.example" } })).status, 200)

  for (const bad of ["flwd.proxy.example:443", "bad host/", ""]) {
    const error = await appFor(t, { allowedHosts: ["ok.example", bad] }).then(() => undefined, (e: unknown) => e)
    t.match(error, { code: "validation.failed", errors: [{ path: "allowedHosts[1]" }] }, JSON.stringify(bad))
  }
})

t.test("flwd :serve --allowed-host admits a proxy name (a real child process)", async (t) => {
  const box = sandbox(t)
  const child = box.start([
    ":serve",
    "--dev",
    "--bind",
    "127.0.0.1:0",
    "--root",
    box.root,
    "--allowed-host",
    "flwd.proxy.example",
    "--allowed-host",
    "*.apps.example"
  ])
  t.teardown(() => void child.kill("SIGKILL"))
  const url = /flwd listening on (http:\/\/\S+)/.exec(await waitForOutput(child, /flwd listening on http:\/\/\S+\n/))![1]
  const dev = { authorization: "Bearer dev-token" }
  t.equal((await rawRequest(url, { path: "/jobs", host: "flwd.proxy.example", headers: dev })).status, 200)
  t.equal((await rawRequest(url, { path: "/jobs", host: "x.apps.example:8443", headers: dev })).status, 200)
  t.equal((await rawRequest(url, { path: "/jobs", host: "localhost", headers: dev })).status, 200)
  t.equal((await rawRequest(url, { path: "/jobs", host: "attacker.example", headers: dev })).status, 421)
})

t.test("flwd.yaml allowed_hosts admits a proxy name; a bad --allowed-host is a usage error", async (t) => {
  const dir = t.testdir()
  const config = join(dir, "flwd.yaml")
  writeFileSync(config, "allowed_hosts: [flwd.proxy.example]\n")
  const server = await spawnServer(["--dev", "--config", config, "--root", jobsRoot, "--data-dir", dir])
  t.teardown(() => void server.child.kill("SIGKILL"))
  const dev = { authorization: "Bearer dev-token" }
  t.equal((await rawRequest(server.url, { path: "/jobs", host: "flwd.proxy.example", headers: dev })).status, 200)
  t.equal((await rawRequest(server.url, { path: "/jobs", host: "attacker.example", headers: dev })).status, 421)

  const bad = sandbox(t)
  const result = await bad.flwd([":serve", "--bind", "127.0.0.1:0", "--allowed-host", "proxy.example:443"])
  t.equal(result.code, 2)
  t.match(result.stderr, /--allowed-host/)
})
