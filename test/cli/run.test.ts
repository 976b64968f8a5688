/**
 * `flwd <job>`: streamed output, the job's exit code, NDJSON events,
 * secrets kept out of every output and of the data directory, verbatim
 * values, and Ctrl-C.
 */
import t from "tap"
import { collect, ndjson, sandbox, waitForOutput } from "./_flwd.ts"

t.test("running a job streams its output and exits 0", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["hello-world", "--name", "Alice"])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, "Alice")
  const explicit = await box.flwd([":run", "hello-world", "--name", "Bob", "--loud", "--tags", "x", "--tags", "y"])
  t.equal(explicit.code, 0, explicit.stderr)
  t.match(explicit.stdout.toLowerCase(), "bob")
})

t.test("a steps DAG runs every step", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["build-and-test", "--json"])
  t.equal(r.code, 0, r.stderr)
  const events = ndjson(r.stdout)
  const started = events.filter((e) => e.type === "step.started")
  t.ok(started.length >= 2, "at least two steps started")
  t.equal(events[events.length - 1].type, "run.finished")
})

t.test("the job's exit code is flwd's exit code", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["always-fails"])
  t.equal(r.code, 3)
  const json = await box.flwd(["always-fails", "--json"])
  t.equal(json.code, 3)
  const last = ndjson(json.stdout).at(-1)!
  t.equal(last.type, "run.failed")
})

t.test("--json prints the run's events as NDJSON", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["hello-world", "--name", "Alice", "--json"])
  t.equal(r.code, 0, r.stderr)
  const events = ndjson(r.stdout)
  const types = events.map((e) => e.type)
  t.equal(types[0], "run.queued")
  t.ok(types.includes("run.started"))
  t.ok(types.includes("log"))
  t.equal(types.at(-1), "run.finished")
  const runId = events[0].run_id as string
  t.ok(events.every((e) => e.run_id === runId), "all events belong to the run")
  t.ok(events.every((e, i) => i === 0 || e.id > events[i - 1].id), "event ids increase")
  t.match(JSON.stringify(events.filter((e) => e.type === "log")), "Alice")
})

t.test("values with shell metacharacters and newlines come back verbatim", async (t) => {
  const box = sandbox(t)
  const tricky = `O'Brien "quoted" $(echo no) \`no\` ; rm -rf / && | > * ~ $HOME %s\nsecond line\ttab`
  const r = await box.flwd(["hello-world", "--name", tricky])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, tricky)
  const plan = await box.flwd([":plan", "hello-world", "--name", tricky, "--json"])
  t.equal(JSON.parse(plan.stdout).args.name, tricky)
  const human = await box.flwd([":plan", "hello-world", "--name", tricky])
  t.match(human.stdout, tricky)
})

t.test("a secret never appears in output, events or the data directory", async (t) => {
  const box = sandbox(t)
  const secret = "s3cr3t-value"
  const outputs: Array<string> = []
  const human = await box.flwd(["hello-world", "--name", "Alice", "--token", secret])
  t.equal(human.code, 0, human.stderr)
  const json = await box.flwd(["hello-world", "--name", "Alice", `--token=${secret}`, "--json"])
  t.equal(json.code, 0, json.stderr)
  const runId = ndjson(json.stdout)[0].run_id as string
  outputs.push(human.stdout, human.stderr, json.stdout, json.stderr)
  for (
    const args of [[":runs"], [":runs", "--json"], [":runs", "show", runId], [":runs", "show", runId, "--json"], [":runs", "events", runId], [
      ":runs",
      "events",
      runId,
      "--json"
    ]]
  ) {
    const r = await box.flwd(args)
    t.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`)
    outputs.push(r.stdout, r.stderr)
  }
  const shown = JSON.parse((await box.flwd([":runs", "show", runId, "--json"])).stdout) as { id: string; args: Record<string, unknown> }
  t.equal(shown.id, runId)
  t.equal(shown.args.token, "***", ":runs show --json shows the secret masked")
  for (const text of outputs) t.notMatch(text, secret)
  const bytes = box.dataBytes()
  t.ok(bytes.length > 0, "the data directory holds files")
  t.equal(bytes.indexOf(Buffer.from(secret)), -1, "no stored byte holds the secret")
})

t.test("Ctrl-C cancels the run and exits 130 after run.canceled", async (t) => {
  const box = sandbox(t)
  const child = box.start(["slow", "--json"])
  const done = collect(child)
  await waitForOutput(child, "slow-started")
  child.kill("SIGINT")
  const r = await done
  t.equal(r.code, 130, r.stderr)
  const events = ndjson(r.stdout)
  t.equal(events.at(-1)!.type, "run.canceled")
  const show = await box.flwd([":runs", "show", events[0].run_id, "--json"])
  t.equal(JSON.parse(show.stdout).status, "canceled")

  const human = box.start(["slow"])
  const humanDone = collect(human)
  await waitForOutput(human, "slow-started")
  human.kill("SIGINT")
  const hr = await humanDone
  t.equal(hr.code, 130)
  t.match(hr.stderr, "canceling run")
})
