/**
 * `-v/--verbose` and `-q/--quiet`: verbose adds diagnostics on stderr (the
 * settings in use, timing), quiet drops notes and progress; neither ever
 * changes stdout, and errors print under both.
 */
import t from "tap"
import { sandbox } from "./_flwd.ts"

t.test("--verbose says which settings won and how long it took", async (t) => {
  const box = sandbox(t)
  const plain = await box.flwd([":jobs"])
  for (const flag of ["-v", "--verbose"]) {
    const r = await box.flwd([flag, ":jobs"], { env: { FLWD_PROFILE: "permissive" } })
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stdout, plain.stdout, "stdout is unchanged")
    t.match(r.stderr, `data dir ${box.dataDir}`)
    t.match(r.stderr, "profile permissive")
    t.match(r.stderr, /policy none/)
    t.match(r.stderr, /flwd: :jobs took \d+ ms/)
  }
  t.notMatch(plain.stderr, "data dir", "not without the flag")
})

t.test("--quiet drops notes, never the result or the errors", async (t) => {
  const box = sandbox(t)
  const normal = await box.flwd([":runs"])
  t.match(normal.stderr, "no runs")
  for (const flag of ["-q", "--quiet"]) {
    const r = await box.flwd([":runs", flag])
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stderr, "", `${flag}: no note`)
    const run = await box.flwd([flag, "hello-world", "--name", "Quiet"])
    t.equal(run.code, 0, run.stderr)
    t.match(run.stdout, "Quiet", "the job's output is the result")
    const failed = await box.flwd([flag, ":plan", "no-such-job"])
    t.equal(failed.code, 2)
    t.match(failed.stderr, "flwd: job.not.found", "errors still print")
  }
})

t.test("--help lists both", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["--help"])
  t.match(r.stdout, /-v, --verbose/)
  t.match(r.stdout, /-q, --quiet/)
})
