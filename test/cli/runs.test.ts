/**
 * `flwd :runs`: history, one run, its events, cancellation, and what a
 * crashed CLI leaves behind.
 */
import t from "tap"
import { collect, ndjson, sandbox, waitForOutput } from "./_flwd.ts"

t.test(":runs lists runs as a table and as JSON, with filters", async (t) => {
  const box = sandbox(t)
  const empty = await box.flwd([":runs"])
  t.equal(empty.code, 0)
  t.match(empty.stderr, "no runs")
  t.equal((await box.flwd(["hello-world", "--name", "A"])).code, 0)
  t.equal((await box.flwd(["always-fails"])).code, 3)
  const table = await box.flwd([":runs"])
  t.equal(table.code, 0, table.stderr)
  const lines = table.stdout.trimEnd().split("\n")
  t.match(lines[0], /^ID\s+JOB\s+STATUS\s+EXIT\s+CREATED$/)
  t.equal(lines.length, 3)
  t.ok(lines.some((l) => /\shello-world\s+succeeded\s+0\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(l)), "hello-world row")
  t.ok(lines.some((l) => /\salways-fails\s+failed\s+3\s/.test(l)), "always-fails row")

  const json = await box.flwd([":runs", "--json"])
  const page = JSON.parse(json.stdout) as { items: Array<{ job_id: string; status: string; exit_code: number }>; next_cursor: string | null }
  t.equal(page.items.length, 2)
  const failed = JSON.parse((await box.flwd([":runs", "--json", "--status", "failed"])).stdout)
  t.same(failed.items.map((r: { job_id: string }) => r.job_id), ["always-fails"])
  const byJob = JSON.parse((await box.flwd([":runs", "list", "--job", "hello-world", "--json"])).stdout)
  t.same(byJob.items.map((r: { job_id: string }) => r.job_id), ["hello-world"])
  const limited = JSON.parse((await box.flwd([":runs", "--limit", "1", "--json"])).stdout)
  t.equal(limited.items.length, 1)
  t.type(limited.next_cursor, "string")
  const next = JSON.parse((await box.flwd([":runs", "--limit", "1", "--cursor", limited.next_cursor, "--json"])).stdout)
  t.equal(next.items.length, 1)
  t.not(next.items[0].id, limited.items[0].id)
  const bad = await box.flwd([":runs", "--limit", "many"])
  t.equal(bad.code, 2)
  t.match(bad.stderr, "--limit takes a positive integer")
})

t.test(":runs --status rejects an unknown status", async (t) => {
  const box = sandbox(t)
  const bogus = await box.flwd([":runs", "--status", "bogus"])
  t.equal(bogus.code, 2)
  t.match(bogus.stderr, "--status: must be one of queued, running, succeeded, failed, canceled")
})

t.test(":runs show and :runs events describe one run", async (t) => {
  const box = sandbox(t)
  const started = await box.flwd(["hello-world", "--name", "Alice", "--json"])
  const id = ndjson(started.stdout)[0].run_id as string
  const show = await box.flwd([":runs", "show", id])
  t.equal(show.code, 0, show.stderr)
  t.match(show.stdout, new RegExp(`Run\\s+${id}`))
  t.match(show.stdout, /Status\s+succeeded/)
  t.match(show.stdout, /Exit\s+0/)
  t.match(show.stdout, /name\s+= Alice/)
  const json = JSON.parse((await box.flwd([":runs", "show", id, "--json"])).stdout)
  t.equal(json.id, id)
  t.equal(json.status, "succeeded")
  const events = await box.flwd([":runs", "events", id])
  t.equal(events.code, 0, events.stderr)
  t.match(events.stdout, /^\d+ {2}\d\d:\d\d:\d\d {2}run\.queued/)
  t.match(events.stdout, /log {2}.*stdout: .*Alice/)
  t.match(events.stdout, /run\.finished/)
  const nd = ndjson((await box.flwd([":runs", "events", id, "--json"])).stdout)
  t.same(nd, ndjson(started.stdout), "the journal replays exactly what was streamed")
})

t.test("unknown runs and finished runs are errors", async (t) => {
  const box = sandbox(t)
  const missing = await box.flwd([":runs", "show", "no-such-run"])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^flwd: run\.not\.found: /)
  const json = await box.flwd([":runs", "show", "no-such-run", "--json"])
  t.equal(json.code, 1)
  t.equal(JSON.parse(json.stderr).code, "run.not.found")
  const started = await box.flwd(["hello-world", "--name", "A", "--json"])
  const id = ndjson(started.stdout)[0].run_id as string
  const cancel = await box.flwd([":runs", "cancel", id])
  t.equal(cancel.code, 1)
  t.match(cancel.stderr, /^flwd: run\.not\.cancelable: /)
  const noId = await box.flwd([":runs", "show"])
  t.equal(noId.code, 2)
  t.match(noId.stderr, "needs a run id")
  const typo = await box.flwd([":runs", "shwo", id])
  t.equal(typo.code, 2)
  t.match(typo.stderr, /unknown subcommand :runs shwo \(did you mean "show"\?\)/)
})

t.test("a CLI killed during a run leaves it failed with engine.restarted", async (t) => {
  const box = sandbox(t)
  const child = box.start(["slow", "--json"])
  const done = collect(child)
  const seen = await waitForOutput(child, /slow-started \d+[^\n]*\n/)
  const events = ndjson(seen.slice(0, seen.lastIndexOf("\n")))
  const id = events[0].run_id as string
  const jobPid = Number(/slow-started (\d+)/.exec(seen)![1])
  child.kill("SIGKILL")
  const r = await done
  t.equal(r.signal, "SIGKILL")
  // The job outlives a CLI killed with -9; reap it.
  try {
    process.kill(jobPid, "SIGKILL")
  } catch {
    // Already gone.
  }
  const show = await box.flwd([":runs", "show", id, "--json"])
  t.equal(show.code, 0, show.stderr)
  const run = JSON.parse(show.stdout)
  t.equal(run.status, "failed")
  t.equal(run.error.code, "engine.restarted")
})
