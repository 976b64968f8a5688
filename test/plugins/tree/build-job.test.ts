import t from "tap"
import { buildJob } from "../../../plugins/tree/mod.ts"

const build = (config: unknown, scripts: Array<string> = [], id = "group/job") => buildJob({ id, dir: "/jobs/" + id, config, scripts })

t.test("buildJob() maps every config key", async (t) => {
  const { job, errors } = build({
    name: "Nightly",
    summary: "s",
    description: "d",
    interpreter: "/usr/bin/env  bash",
    command: "./run.sh --name 'Ada Lovelace'",
    env: { A: "x", N: 3, B: true },
    timeout: "1h30m",
    security_profile: "permissive",
    executor: "sandbox",
    concurrency: 2
  })
  t.same(errors, [])
  t.same(job, {
    id: "group/job",
    name: "Nightly",
    summary: "s",
    description: "d",
    dir: "/jobs/group/job",
    steps: [{ id: "main", argv: ["/usr/bin/env", "bash", "./run.sh", "--name", "Ada Lovelace"], needs: [] }],
    argspec: { args: [] },
    env: { A: "x", N: "3", B: "true" },
    timeout_ms: 5_400_000,
    security_profile: "permissive",
    executor: "sandbox",
    concurrency: 2,
    warnings: []
  })
})

t.test("buildJob() reads timeouts", async (t) => {
  const cases: Array<[unknown, number]> = [["10m", 600_000], ["30s", 30_000], ["1h", 3_600_000], ["500ms", 500], [90, 90_000], ["2", 2000]]
  for (const [timeout, ms] of cases) t.equal(build({ command: "x", timeout }).job?.timeout_ms, ms, String(timeout))
  for (const timeout of ["soon", "0s", 0, "-1s"]) {
    t.same(build({ command: "x", timeout }).errors, [
      { path: "timeout", message: "must be a duration such as 30s, 10m, 1h, 500ms, or a number of seconds" }
    ], String(timeout))
  }
})

t.test("buildJob() turns numbered scripts into a chain of steps", async (t) => {
  const { job } = build({ interpreter: ["sh", "-eu"] }, ["000_a.sh", "010_b.py", "020_c"])
  t.same(job?.steps, [
    { id: "000_a.sh", argv: ["sh", "-eu", "./000_a.sh"], needs: [] },
    { id: "010_b.py", argv: ["sh", "-eu", "./010_b.py"], needs: ["000_a.sh"] },
    { id: "020_c", argv: ["sh", "-eu", "./020_c"], needs: ["010_b.py"] }
  ])
  const shadowed = build({ command: "./run.sh" }, ["000_a.sh"])
  t.same(shadowed.job?.steps.map((s) => s.id), ["main"], "command wins over numbered scripts")
  t.same(shadowed.job?.warnings, ["numbered scripts (000_a.sh) are ignored because the config sets command"])
})

t.test("buildJob() orders a steps DAG", async (t) => {
  const { job, errors, files } = build({
    interpreter: "sh",
    steps: [
      { id: "package", script: "package.sh", needs: ["lint", "unit"] },
      { id: "lint", command: "./lint.sh --strict", needs: "prepare" },
      { id: "prepare", script: "./prepare.sh" },
      { id: "unit", script: "tests/unit.sh", needs: ["prepare"] }
    ]
  })
  t.same(errors, [])
  t.same(job?.steps, [
    { id: "prepare", argv: ["sh", "./prepare.sh"], needs: [] },
    { id: "lint", argv: ["sh", "./lint.sh", "--strict"], needs: ["prepare"] },
    { id: "unit", argv: ["sh", "./tests/unit.sh"], needs: ["prepare"] },
    { id: "package", argv: ["sh", "./package.sh"], needs: ["lint", "unit"] }
  ])
  t.same(files.map((f) => f.field).sort(), ["steps[0].script", "steps[1].command", "steps[2].script", "steps[3].script"])
})

t.test("buildJob() reports bad steps", async (t) => {
  const step = (id: string, needs: Array<string> = []) => ({ id, script: `${id}.sh`, needs })
  t.same(build({ steps: [step("a"), step("a")] }).errors, [{ path: "steps[1].id", message: 'duplicates steps[0].id "a"' }])
  t.same(build({ steps: [step("a", ["b"])] }).errors, [{ path: "steps[0].needs", message: 'names an unknown step "b"' }])
  t.same(build({ steps: [step("a", ["a"])] }).errors, [{ path: "steps[0].needs", message: 'step "a" cannot need itself' }])
  t.same(build({ steps: [step("x"), step("a", ["c"]), step("b", ["a"]), step("c", ["b"])] }).errors, [
    { path: "steps[1].needs", message: "steps form a cycle: a → c → b → a" }
  ])
  t.same(build({ steps: [{ id: "a", script: "a.sh", command: "x" }] }).errors, [{ path: "steps[0]", message: "needs exactly one of script or command" }])
  t.same(build({ steps: [{ id: "a", script: "/bin/sh" }] }).errors, [{ path: "steps[0].script", message: "must be a path relative to the job directory" }])
  t.same(build({ steps: [] }).errors, [{ path: "steps", message: "must list at least one step" }])
  t.same(build({ steps: [step("a")], command: "x" }).errors, [{ path: "command", message: "use either command or steps, not both" }])
  t.match(build({ steps: [{ id: "-bad", script: "a" }] }).errors, [{ path: "steps[0].id", message: /must be 1-64 letters/ }])
})

t.test("buildJob() splits commands without a shell", async (t) => {
  t.same(build({ command: ["./run.sh", "a b"] }).job?.steps[0].argv, ["./run.sh", "a b"], "a list is taken as written")
  t.same(build({ command: "echo \"$HOME\" '*'" }).job?.steps[0].argv, ["echo", "$HOME", "*"])
  t.same(build({ command: 'echo "$HOME"' }).job?.warnings, [
    'command: "$HOME" is passed literally; commands run without a shell (arguments arrive as ARG_<NAME> variables)'
  ])
  t.same(build({ command: "./a.sh && ./b.sh > out" }).errors, [
    { path: "command", message: '"&&" is shell syntax, but commands run without a shell; quote it or use a script' },
    { path: "command", message: '">" is shell syntax, but commands run without a shell; quote it or use a script' }
  ])
  t.same(build({ command: "echo 'a && b'" }).job?.steps[0].argv, ["echo", "a && b"], "quoted syntax is plain text")
  t.same(build({ command: "echo 'open" }).errors, [{ path: "command", message: "unterminated single quote at character 6" }])
  t.same(build({ command: "  " }).errors, [{ path: "command", message: "must not be empty" }])
})

t.test("buildJob() converts the legacy arguments map", async (t) => {
  const { job, errors } = build({
    command: "x",
    arguments: { name: { type: "string", default: "world" }, times: { type: "integer", minimum: 1 }, flag: {} }
  })
  t.same(errors, [])
  t.same(job?.argspec, {
    args: [
      { name: "name", type: "string", default: "world" },
      { name: "times", type: "integer", minimum: 1 },
      { name: "flag", type: "string" }
    ]
  })
  t.same(build({ command: "x", arguments: { n: { type: "integer", default: "1" } } }).errors, [
    { path: "arguments.n.default", message: "must be an integer" }
  ], "argspec problems use the legacy paths")
  t.match(build({ command: "x", arguments: { "bad name": {} } }).errors, [{ path: "arguments.bad name", message: /must start with a letter/ }])
  t.same(build({ command: "x", arguments: {}, argspec: { args: [] } }).errors, [
    { path: "arguments", message: "use either argspec or arguments, not both" }
  ])
})

t.test("buildJob() treats empty keys as absent and reports bad values", async (t) => {
  t.same(build({ command: "x", summary: null, description: null }).errors, [])
  t.same(build({ command: "x", env: { FLWD_RUN_ID: "x" } }).errors, [{ path: "env.FLWD_RUN_ID", message: "FLWD_ variables are set by flwd" }])
  t.same(build({ command: "x", env: { "BAD-NAME": "x" } }).errors.map((e) => e.path), ["env.BAD-NAME"])
  t.same(build({ command: "x", env: { A: [1] } }).errors, [{ path: "env.A", message: "must be a string, a number or a boolean" }])
  t.same(build({ command: "x", concurrency: 1.5 }).errors, [{ path: "concurrency", message: "must be a positive integer" }])
  t.same(build({ command: 3 }).errors, [{ path: "command", message: "must be a string or a list of strings" }])
  t.same(build("just text").errors, [{ path: "", message: "must be a mapping of keys to values" }])
})
