/**
 * `flwd --remote URL`: usage problems (a mistyped job, a missing or invalid
 * argument) print the same lines and exit with the same status as
 * in-process, from the server's problem documents; a secret given as a job
 * flag appears in no output.
 */
import t from "tap"
import { ndjson } from "./_flwd.ts"
import { remoteSandbox } from "./_remote.ts"

const { remote, same } = await remoteSandbox(t)

t.test("usage problems read and exit as in-process", async (t) => {
  const typo = await same(t, ["helo-world"])
  t.equal(typo.code, 2)
  t.match(typo.stderr, 'flwd: job.not.found: No job "helo-world"; did you mean "hello-world"?\n')
  const missing = await same(t, ["hello-world"])
  t.equal(missing.code, 2)
  t.match(missing.stderr, "  args.name: is required\n")
  const json = await same(t, [":plan", "hello-world", "--json"])
  t.same(JSON.parse(json.stderr).errors, [{ path: "args.name", message: "is required" }])
  await same(t, ["typed", "--count", "0", "--meta", "{}"])
  await same(t, ["hello-world", "--nmae", "x"])
})

t.test("a secret given as a job flag never appears in any output", async (t) => {
  const secret = "s3cr3t-remote-value"
  // After the job id, --token is the job's own (secret) flag, not the server's token.
  const human = await remote("hello-world", "--name", "Alice", "--token", secret)
  t.equal(human.code, 0, human.stderr)
  t.match(human.stdout, "token: provided (not shown)")
  const json = await remote("hello-world", "--name", "Alice", `--token=${secret}`, "--json")
  t.equal(json.code, 0, json.stderr)
  const id = ndjson(json.stdout)[0].run_id as string
  const plan = await remote(":plan", "hello-world", "--name", "Alice", "--token", secret, "--json")
  t.equal(JSON.parse(plan.stdout).args.token, "***")
  const outputs = [human, json, plan, await remote(":runs", "show", id, "--json"), await remote(":runs", "events", id)]
  for (const r of outputs) t.notMatch(r.stdout + r.stderr, secret)
})
