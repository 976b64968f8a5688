/**
 * `flwd --remote URL`: choosing the server (flags, `FLWD_REMOTE`,
 * `FLWD_TOKEN`), a refused token, a server that is down, and the flags
 * that only make sense in-process.
 */
import t from "tap"
import { closedPort, remoteSandbox } from "./_remote.ts"

const { url, run, remote, local } = await remoteSandbox(t)

t.test("a wrong or missing token is refused with the server's problem", async (t) => {
  const wrong = await run(["--remote", url, "--token", "wrong-token", ":jobs"])
  t.equal(wrong.code, 1)
  t.match(wrong.stderr, /^flwd: auth\.invalid: /)
  const none = await run(["--remote", url, ":jobs", "--json"])
  t.equal(none.code, 1)
  t.equal(JSON.parse(none.stderr).code, "auth.required")
})

t.test("a server that is down is named, with exit 1", async (t) => {
  const port = await closedPort()
  const r = await run(["--remote", `http://127.0.0.1:${port}`, "--token", "dev-token", ":jobs"])
  t.equal(r.code, 1)
  t.equal(r.stderr, `flwd: remote: cannot reach http://127.0.0.1:${port}: connection refused\n`)
  t.equal(r.stdout, "")
  const job = await run(["--remote", `http://127.0.0.1:${port}`, "hello-world", "--name", "x", "--json"])
  t.equal(job.code, 1)
  t.match(JSON.parse(job.stderr), { code: "remote", detail: `cannot reach http://127.0.0.1:${port}: connection refused` })
})

t.test("FLWD_REMOTE and FLWD_TOKEN choose the server; flags win", async (t) => {
  const env = await run([":jobs", "--ids"], { FLWD_REMOTE: url, FLWD_TOKEN: "dev-token" })
  t.equal(env.code, 0, env.stderr)
  t.equal(env.stdout, (await local(":jobs", "--ids")).stdout)
  const flag = await run(["--token", "dev-token", ":jobs", "--ids"], { FLWD_REMOTE: url, FLWD_TOKEN: "wrong-token" })
  t.equal(flag.code, 0, flag.stderr)
  const tokenOnly = await run([":jobs"], { FLWD_REMOTE: url, FLWD_TOKEN: "wrong-token" })
  t.equal(tokenOnly.code, 1)
  t.match(tokenOnly.stderr, "auth.invalid")
  // Before the job id of :plan they are flwd's, after it the job's.
  const plan = await run([":plan", "--remote", url, "--token", "dev-token", "hello-world", "--name", "A", "--token", "for-the-job", "--json"])
  t.equal(plan.code, 0, plan.stderr)
  t.equal(JSON.parse(plan.stdout).args.token, "***")
  // After a command that takes no job flags, --remote and --token are still flwd's.
  const after = await run([":runs", "--remote", url, "--token", "wrong-token"])
  t.equal(after.code, 1)
  t.match(after.stderr, "auth.invalid")
})

t.test("remote mode refuses the in-process engine's flags and bad URLs", async (t) => {
  const root = await remote("--root", "jobs", "--data-dir", "data", ":jobs")
  t.equal(root.code, 2)
  t.match(root.stderr, "  --root: not with --remote\n  --data-dir: not with --remote\n")
  const serve = await run([":serve", "--remote", url])
  t.equal(serve.code, 2)
  t.match(serve.stderr, "--remote: not with :serve")
  const notUrl = await run(["--remote", "not a url", ":jobs"])
  t.equal(notUrl.code, 2)
  t.match(notUrl.stderr, "  --remote: must be a URL")
  const credentials = await run(["--remote", "http://user:pw@127.0.0.1:1/", ":jobs"])
  t.equal(credentials.code, 2)
  t.notMatch(credentials.stderr, "pw")
})
