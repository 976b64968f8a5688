/**
 * `flwd :plan`: job flags from the argspec, the summary, JSON, and the
 * errors a mistyped command line gets.
 */
import t from "tap"
import { sandbox } from "./_flwd.ts"

t.test(":plan prints a readable summary", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":plan", "hello-world", "--name", "Alice"])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^Plan for hello-world/)
  t.match(r.stdout, /Profile\s+secure/)
  t.match(r.stdout, /Executor\s+process/)
  t.match(r.stdout, /name\s+= Alice/)
  t.match(r.stdout, /loud\s+= false/)
  t.match(r.stdout, "Steps")
})

t.test("the default profile: --profile > FLWD_PROFILE > secure", async (t) => {
  const box = sandbox(t)
  const profile = async (args: Array<string>, env: Record<string, string> = {}) =>
    JSON.parse((await box.flwd([":plan", "--json", ...args, "hello-world", "--name", "A"], { env })).stdout).profile
  t.equal(await profile([]), "secure")
  t.equal(await profile(["--profile", "permissive"]), "permissive")
  t.equal(await profile(["--profile", "permissive"], { FLWD_PROFILE: "disabled" }), "permissive")
})

t.test(":plan --json turns job flags into typed arguments", async (t) => {
  const box = sandbox(t)
  const plan = async (...args: Array<string>) => {
    const r = await box.flwd([":plan", "--json", ...args])
    t.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as { job_id: string; args: Record<string, unknown> }
  }
  const basic = await plan("hello-world", "--name", "Alice")
  t.equal(basic.job_id, "hello-world")
  t.same(basic.args, { name: "Alice", loud: false })
  t.same((await plan("hello-world", "--name=Bob", "--loud")).args, { name: "Bob", loud: true })
  t.same((await plan("hello-world", "--name", "Bob", "--no-loud")).args.loud, false)
  t.same((await plan("hello-world", "--name", "Bob", "--loud=false")).args.loud, false)
  t.same((await plan("hello-world", "--name", "Bob", "--tags", "a", "--tags=b")).args.tags, ["a", "b"])
  t.same((await plan("typed", "--count", "3", "--ratio", "0.5", "--meta", '{"a":[1,2]}')).args, {
    count: 3,
    ratio: 0.5,
    meta: { a: [1, 2] },
    level: "low"
  })
  // A job flag that clashes with a global flag goes after `--`.
  t.same((await plan("hello-world", "--", "--name", "--json")).args.name, "--json")
})

t.test(":plan never shows a secret", async (t) => {
  const box = sandbox(t)
  const json = await box.flwd([":plan", "hello-world", "--name", "A", "--token", "s3cr3t-value", "--json"])
  t.equal(json.code, 0, json.stderr)
  t.equal(JSON.parse(json.stdout).args.token, "***")
  const human = await box.flwd([":plan", "hello-world", "--name", "A", "--token=s3cr3t-value"])
  t.equal(human.code, 0, human.stderr)
  for (const r of [json, human]) t.notMatch(r.stdout + r.stderr, "s3cr3t-value")
})

t.test("an unknown job flag is an error listing the valid flags", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":plan", "hello-world", "--nmae", "Alice"])
  t.equal(r.code, 2)
  t.equal(r.stdout, "")
  t.match(r.stderr, /^flwd: validation\.failed: unknown flag --nmae for job hello-world \(did you mean --name\?\); valid flags: /)
  for (const flag of ["--name", "--loud", "--no-loud", "--tags", "--token"]) t.match(r.stderr, flag)
  t.match(r.stderr, /\n {2}--nmae: unknown flag\n {2}fix: [^\n]+\n$/)
  const run = await box.flwd(["hello-world", "--bogus"])
  t.equal(run.code, 2)
  t.match(run.stderr, "unknown flag --bogus")
})

t.test("a mistyped job id suggests the nearest ids", async (t) => {
  const box = sandbox(t)
  for (const args of [[":plan", "helo-world"], ["hello-wrld", "--name", "x"], ["hello"]]) {
    const r = await box.flwd(args)
    t.equal(r.code, 2, args.join(" "))
    t.match(r.stderr, /^flwd: job\.not\.found: .*did you mean "hello-world"/)
  }
})

t.test("a missing required argument exits 2 naming args.name", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":plan", "hello-world"])
  t.equal(r.code, 2)
  t.match(r.stderr, /^flwd: args\.invalid: /)
  t.match(r.stderr, /\n {2}args\.name: /)
  const json = await box.flwd(["hello-world", "--json"])
  t.equal(json.code, 2)
  t.equal(json.stdout, "")
  const problem = JSON.parse(json.stderr)
  t.equal(problem.code, "args.invalid")
  t.equal(problem.status, 422)
  t.ok(problem.errors.some((e: { path: string }) => e.path === "args.name"))
})

t.test("invalid values are args.invalid from the engine, not crashes", async (t) => {
  const box = sandbox(t)
  const nan = await box.flwd([":plan", "typed", "--count", "abc"])
  t.equal(nan.code, 2)
  t.match(nan.stderr, /^flwd: args\.invalid: /)
  t.match(nan.stderr, "args.count")
  const low = await box.flwd([":plan", "typed", "--count", "0"])
  t.equal(low.code, 2)
  t.match(low.stderr, "args.count")
  const json = await box.flwd([":plan", "typed", "--meta", "{not json"])
  t.equal(json.code, 2)
  t.match(json.stderr, /^flwd: args\.invalid: --meta takes a JSON object\n {2}args\.meta: /)
  const missing = await box.flwd([":plan", "hello-world", "--name"])
  t.equal(missing.code, 2)
  t.match(missing.stderr, "flag --name needs a value")
  const twice = await box.flwd([":plan", "hello-world", "--name", "a", "--name", "b"])
  t.equal(twice.code, 2)
  t.match(twice.stderr, "more than once")
  const stray = await box.flwd([":plan", "hello-world", "--loud", "s3cr3t-value"])
  t.equal(stray.code, 2)
  t.notMatch(stray.stderr, "s3cr3t-value", "stray words are not echoed")
})
