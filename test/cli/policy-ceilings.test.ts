/**
 * The policy's sandbox ceilings through the real binary (issue 12, item 7):
 * `pids` and `tmp` are validated with their field paths, `flwd :policy show`
 * prints the ceilings in force (defaults included) and how this host
 * enforces them, and a sandboxed job runs under them.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { sandbox } from "./_flwd.ts"

function withPolicy(t: Parameters<typeof sandbox>[0], lines: ReadonlyArray<string>) {
  const s = sandbox(t)
  writeFileSync(join(s.cwd, "flwd.policy.yaml"), [...lines, ""].join("\n"))
  return s
}

t.test("malformed pids and tmp ceilings stop the command, naming each field", async (t) => {
  const s = withPolicy(t, ["ceilings: { pids: 0, tmp: lots }"])
  const shown = await s.flwd([":policy", "show", "--json"])
  t.equal(shown.code, 2)
  t.match(JSON.parse(shown.stderr), {
    code: "policy.invalid",
    errors: [{ path: "ceilings.pids", message: /whole number/ }, { path: "ceilings.tmp", message: /64Mi/ }]
  })
  writeFileSync(join(s.cwd, "flwd.policy.yaml"), "ceilings: { pids: many }\n")
  const typed = await s.flwd([":jobs"])
  t.equal(typed.code, 2)
  t.match(typed.stderr, /ceilings\.pids/)
})

t.test("flwd :policy show prints the ceilings in force and how they are enforced", async (t) => {
  const s = withPolicy(t, ["ceilings: { memory: 512Mi, tmp: 64Mi }"])
  const text = await s.flwd([":policy", "show"])
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, /ceilings\s+pids=512 tmp=64Mi memory=512Mi/)
  t.match(text.stdout, /enforced by\s+cgroup v[12]: for the whole run/)
  const json = await s.flwd([":policy", "show", "--json"])
  t.equal(json.code, 0, json.stderr)
  const doc = JSON.parse(json.stdout)
  t.same(doc.ceilings, { pids: 512, tmp: "64Mi", memory: "512Mi" })
  t.match(doc.ceilings_enforcement, /^cgroup v[12]$/)
})

t.test("a sandboxed job runs under the policy's pids ceiling", async (t) => {
  const s = withPolicy(t, ["ceilings: { pids: 32 }"])
  const dir = join(s.root, "forks")
  mkdirSync(dir)
  writeFileSync(join(dir, "config.yaml"), "command: ./run.sh\nexecutor: sandbox\n")
  writeFileSync(join(dir, "run.sh"), '#!/bin/sh\ni=0\nwhile [ $i -lt 500 ]; do sleep 300 & i=$((i + 1)); done\necho "started $i"\n', { mode: 0o755 })
  const plan = await s.flwd([":plan", "forks", "--json"])
  t.equal(plan.code, 0, plan.stderr)
  t.match(
    JSON.parse(plan.stdout).executor.details,
    { enforcement: /^cgroup v[12]$/, bounds: { pids: 32, tmp: "256Mi", memory: null } },
    "the plan says what bounds the run and how"
  )
  const run = await s.flwd(["forks"])
  t.not(run.code, 0, "the run fails")
  t.notMatch(run.stdout, /started 500/)
  t.match(run.stdout + run.stderr, /process ceiling \(pids 32\)/)
})
