import t from "tap"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type { Job } from "../../../../core/domain/job.ts"
import type { ExecRequest } from "../../../../core/plugin.ts"
import { makeProcessExecutor } from "../../../../plugins/executors/process/mod.ts"
import { processesIn } from "../../../helpers/processes.ts"

// The implementation with default options, as an engine's make builds it.
const processExecutor = makeProcessExecutor()

const settings = { network: false, inheritEnv: false, rootfsWritable: false }

function fixture(t: { teardown: (fn: () => void) => void }, scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-proc-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), body, { mode: 0o755 })
  }
  return dir
}

function job(dir: string): Job {
  return {
    id: "demo",
    local_id: "demo",
    source: "default",
    name: "demo",
    dir,
    steps: [],
    argspec: { args: [] },
    env: {},
    warnings: []
  }
}

type Output = Array<[string, string]>

function request(dir: string, argv: Array<string>, extra: Partial<ExecRequest> = {}): { req: ExecRequest; out: Output } {
  const out: Output = []
  const req: ExecRequest = {
    runId: "run_test",
    job: job(dir),
    step: { id: "main", argv, needs: [] },
    runDir: join(dir, ".data", "work"),
    secretsDir: join(dir, ".data", "secrets"),
    env: {},
    secrets: [],
    settings,
    onOutput: (stream, lines) =>
      Effect.sync(() => {
        for (const l of lines) out.push([stream, l])
      }),
    ...extra
  }
  return { req, out }
}

t.test("execute() streams stdout and stderr lines and returns the exit code", async (t) => {
  const dir = fixture(t, { "run.sh": "#!/bin/sh\necho hello\necho oops >&2\nprintf 'a\\r\\nno-newline'\nexit 3\n" })
  const { req, out } = request(dir, ["./run.sh"])
  const result = await Effect.runPromise(processExecutor.execute(req))
  t.same(result, { exitCode: 3, signal: null })
  t.same(out.filter(([s]) => s === "stdout").map(([, l]) => l), ["hello", "a", "no-newline"])
  t.same(out.filter(([s]) => s === "stderr").map(([, l]) => l), ["oops"])
  t.ok(existsSync(req.runDir), "run directory created")
})

t.test("execute() runs in the job directory with a clean environment", async (t) => {
  process.env.FLWD_TEST_HOST_VAR = "leak"
  t.teardown(() => {
    delete process.env.FLWD_TEST_HOST_VAR
  })
  const dir = fixture(t, { "env.sh": "#!/bin/sh\npwd\nenv | sort\n" })
  const { req, out } = request(dir, ["./env.sh"], { env: { FOO: "bar baz" } })
  await Effect.runPromise(processExecutor.execute(req))
  const lines = out.map(([, l]) => l)
  t.equal(lines[0], dir)
  t.ok(lines.includes("FOO=bar baz"))
  t.ok(lines.some((l) => l.startsWith("PATH=")))
  t.notOk(lines.some((l) => l.startsWith("FLWD_TEST_HOST_VAR=")))
  t.ok(lines.includes(`FLWD_RUN_DIR=${req.runDir}`))

  const inherit = request(dir, ["./env.sh"], { settings: { ...settings, inheritEnv: true } })
  await Effect.runPromise(processExecutor.execute(inherit.req))
  t.ok(inherit.out.some(([, l]) => l === "FLWD_TEST_HOST_VAR=leak"))
})

t.test("execute() finds bare names on PATH", async (t) => {
  const dir = fixture(t, {})
  const { req, out } = request(dir, ["echo", "$(touch x)", "a;b"])
  const result = await Effect.runPromise(processExecutor.execute(req))
  t.equal(result.exitCode, 0)
  t.same(out, [["stdout", "$(touch x) a;b"]])
})

t.test("execute() reports why a program cannot start", async (t) => {
  const dir = fixture(t, { "noexec.sh": "#!/bin/sh\necho hi\n" })
  chmodSync(join(dir, "noexec.sh"), 0o644)
  const denied = await Effect.runPromiseExit(processExecutor.execute(request(dir, ["./noexec.sh"]).req))
  t.ok(Exit.isFailure(denied))
  if (Exit.isFailure(denied) && denied.cause._tag === "Fail") {
    t.equal(denied.cause.error.code, "executor.failed")
    t.equal(denied.cause.error.detail, "cannot execute ./noexec.sh: permission denied")
  } else t.fail("expected a failure")
  const missing = await Effect.runPromiseExit(processExecutor.execute(request(dir, ["./missing.sh"]).req))
  if (Exit.isFailure(missing) && missing.cause._tag === "Fail") {
    t.match(missing.cause.error.detail, /^cannot execute \.\/missing\.sh: not found/)
  } else t.fail("expected a failure")
})

t.test("execute() writes secrets as 0400 files and removes them afterwards", async (t) => {
  const dir = fixture(t, {
    "secret.sh": '#!/bin/sh\necho "dir=$FLWD_SECRETS_DIR"\nstat -c \'%a\' "$FLWD_SECRETS_DIR" "$FLWD_SECRETS_DIR/token"\ncat "$FLWD_SECRETS_DIR/token"\n'
  })
  const { req, out } = request(dir, ["./secret.sh"], { secrets: [{ name: "token", value: "s3cr3t" }] })
  await Effect.runPromise(processExecutor.execute(req))
  t.same(out.map(([, l]) => l), [`dir=${req.secretsDir}`, "700", "400", "s3cr3t"])
  t.notOk(existsSync(req.secretsDir), "secrets removed")
})

t.test("execute() reports a signal death as 128 + signo", async (t) => {
  const dir = fixture(t, { "die.sh": "#!/bin/sh\nkill -TERM $$\n" })
  const result = await Effect.runPromise(processExecutor.execute(request(dir, ["./die.sh"]).req))
  t.same(result, { exitCode: 143, signal: "SIGTERM" })
})

t.test("interrupting execute() kills the group, including a grandchild that ignores SIGTERM", async (t) => {
  const dir = fixture(t, {
    "stubborn.sh": [
      "#!/bin/sh",
      "trap '' TERM",
      "sh -c 'trap \"\" TERM; echo $$ > grandchild.pid; while true; do sleep 1; done' &",
      "echo started",
      "wait"
    ].join("\n") + "\n"
  })
  const { req, out } = request(dir, ["./stubborn.sh"])
  const executor = makeProcessExecutor({ killGraceMs: 300 })
  await Effect.runPromise(Effect.gen(function* () {
    const fiber = yield* Effect.fork(executor.execute(req))
    while (!existsSync(join(dir, "grandchild.pid")) || !out.some(([, l]) => l === "started")) {
      yield* Effect.sleep(20)
    }
    const exit = yield* Fiber.interrupt(fiber)
    t.ok(Exit.isInterrupted(exit), "interrupted")
  }))
  t.ok(Number(readFileSync(join(dir, "grandchild.pid"), "utf8").trim()) > 0)
  t.same(processesIn(dir), [], "grandchild is gone")
})

t.test("interrupting execute() keeps what a SIGTERM trap prints", async (t) => {
  const dir = fixture(t, {
    "tidy.sh": "#!/bin/sh\ntrap 'echo cleaning up; exit 0' TERM\necho ready\nwhile true; do sleep 0.1; done\n"
  })
  const { req, out } = request(dir, ["./tidy.sh"])
  await Effect.runPromise(Effect.gen(function* () {
    const fiber = yield* Effect.fork(makeProcessExecutor({ killGraceMs: 2000 }).execute(req))
    while (!out.some(([, l]) => l === "ready")) yield* Effect.sleep(20)
    yield* Fiber.interrupt(fiber)
  }))
  t.ok(out.some(([, l]) => l === "cleaning up"), "the trap's output arrives")
})

t.test("execute() stops leftovers when the main process exits", async (t) => {
  const dir = fixture(t, {
    "leave.sh": "#!/bin/sh\nsh -c 'echo $$ > left.pid; exec sleep 60' >/dev/null 2>&1 &\nwhile [ ! -s left.pid ]; do sleep 0.05; done\necho done\n"
  })
  const result = await Effect.runPromise(makeProcessExecutor({ killGraceMs: 300 }).execute(request(dir, ["./leave.sh"]).req))
  t.equal(result.exitCode, 0)
  t.ok(Number(readFileSync(join(dir, "left.pid"), "utf8").trim()) > 0)
  t.same(processesIn(dir), [], "background process is gone")
})

t.test("preview() describes the host execution", async (t) => {
  const p = await Effect.runPromise(processExecutor.preview(job("/jobs/demo"), settings))
  t.match(p, { kind: "process", available: true, details: { cwd: "/jobs/demo", env_inheritance: false, isolation: "none" } })
  t.match(p.details, { containment: /^(pid-namespace|process-group)$/ })
})
