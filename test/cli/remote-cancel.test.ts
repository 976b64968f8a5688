/**
 * `flwd --remote URL <job>` and Ctrl-C: interrupting the CLI while it
 * follows a run cancels the run on the server, and the CLI exits 130 once
 * the server reports `run.canceled`.
 */
import t from "tap"
import { collect, ndjson, waitForOutput } from "./_flwd.ts"
import { remoteSandbox } from "./_remote.ts"

const { url, start } = await remoteSandbox(t)
const headers = { authorization: "Bearer dev-token" }

t.test("Ctrl-C cancels the run on the server and exits 130", async (t) => {
  const child = start(["--remote", url, "--token", "dev-token", "slow"])
  child.stdin?.end()
  const done = collect(child)
  await waitForOutput(child, "slow-started")
  child.kill("SIGINT")
  const r = await done
  t.equal(r.code, 130, r.stderr)
  t.match(r.stderr, /^flwd: canceling run run_\S+\n/)
  const page = await (await fetch(`${url}/runs?job_id=slow&limit=1`, { headers })).json() as { items: Array<{ id: string }> }
  const record = await (await fetch(`${url}/runs/${page.items[0].id}`, { headers })).json() as { status: string }
  t.equal(record.status, "canceled")
})

t.test("Ctrl-C under --json ends the NDJSON with run.canceled", async (t) => {
  const child = start(["--remote", url, "--token", "dev-token", "slow", "--json"])
  child.stdin?.end()
  const done = collect(child)
  await waitForOutput(child, "slow-started")
  child.kill("SIGINT")
  const r = await done
  t.equal(r.code, 130, r.stderr)
  const events = ndjson(r.stdout)
  t.equal(events.at(-1)!.type, "run.canceled")
  const record = await (await fetch(`${url}/runs/${events[0].run_id}`, { headers })).json() as { status: string }
  t.equal(record.status, "canceled")
})
