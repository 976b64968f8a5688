/**
 * `flwd --remote URL`: the catalogue, plans and runs on the real server
 * (`flwd :serve --dev` as a child process) print what the in-process engine
 * prints for the same job tree and data directory, and a job's exit code
 * comes back.
 */
import t from "tap"
import { ndjson } from "./_flwd.ts"
import { remoteSandbox } from "./_remote.ts"

const { remote, local, same } = await remoteSandbox(t)

t.test(":jobs and :plan print what the in-process engine prints", async (t) => {
  await same(t, [":jobs"])
  await same(t, [":jobs", "--ids"])
  await same(t, [":plan", "hello-world", "--name", "Alice", "--tags", "a", "--tags", "b"])
  await same(t, [":plan", "hello-world", "--name", "Alice", "--json"])
  // --profile is the engine's default in-process, the request's profile remotely: the plan is the same.
  await same(t, ["--profile", "permissive", ":plan", "hello-world", "--name", "Alice", "--json"])
  await same(t, ["--profile", "bogus", ":plan", "hello-world", "--name", "Alice"])
  await same(t, ["hello-world", "--help"])
  // GET /jobs lists summaries: the fields it carries are the in-process ones.
  const pick = (j: Record<string, unknown>) => ({
    id: j.id,
    name: j.name,
    summary: j.summary,
    description: j.description,
    source: j.source,
    local_id: j.local_id
  })
  const r = JSON.parse((await remote(":jobs", "--json")).stdout) as { items: Array<Record<string, unknown>> }
  const l = JSON.parse((await local(":jobs", "--json")).stdout) as { items: Array<Record<string, unknown>> }
  t.same(r.items.map(pick), l.items.map(pick))
})

t.test("a job runs on the server: output streamed, exit code returned", async (t) => {
  const ok = await remote("hello-world", "--name", "Alice", "--loud", "--tags", "x")
  t.equal(ok.code, 0, ok.stderr)
  t.equal(ok.stdout, (await local("hello-world", "--name", "Alice", "--loud", "--tags", "x")).stdout)
  const fails = await remote("always-fails")
  t.equal(fails.code, 3)
  t.match(fails.stderr, "this job always fails")
  const json = await remote("always-fails", "--json")
  t.equal(json.code, 3)
  const events = ndjson(json.stdout)
  t.equal(events[0].type, "run.queued")
  t.equal(events.at(-1)!.type, "run.failed")
  t.same(events.map((e) => e.type), ndjson((await local("always-fails", "--json")).stdout).map((e) => e.type))
  const steps = await remote(":run", "build-and-test", "--json")
  t.equal(steps.code, 0, steps.stderr)
  t.ok(ndjson(steps.stdout).filter((e) => e.type === "step.started").length >= 2, "every step ran")
  t.equal(ndjson(steps.stdout).at(-1)!.type, "run.finished")
})
