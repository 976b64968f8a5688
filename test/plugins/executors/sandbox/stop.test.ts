/**
 * Interrupting a sandboxed step (what cancel and timeout do) stops every
 * process in the sandbox: grandchildren, orphans, processes that ignore
 * SIGTERM.
 */
import t from "tap"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { makeSandboxExecutor } from "../../../../plugins/executors/sandbox/mod.ts"
import { busyboxRootfs, liveWith, request, type Teardown } from "./_fixture.ts"

const marker = () => String(900000 + Math.floor(Math.random() * 99999))

// Orphans (a subshell's background sleep), a sleeping grandchild, and a
// bounded burst of children; the main process ignores SIGTERM.
const bomb = [
  "#!/bin/sh",
  "trap '' TERM",
  "M=$1",
  "i=0",
  "while [ $i -lt 30 ]; do (sleep $M &); sleep $M & i=$((i+1)); done",
  'sh -c "sleep $M & wait" &',
  "echo ready",
  "wait"
].join("\n")

async function started(t: Teardown, graceMs: number) {
  const m = marker()
  const { rootfs } = busyboxRootfs(t, { bomb: { "run.sh": bomb } })
  const executor = makeSandboxExecutor({ killGraceMs: graceMs })
  let ready!: () => void
  const isReady = new Promise<void>((resolve) => (ready = resolve))
  const { req } = request(join(rootfs, "flwd-addon/jobs/bomb"), ["./run.sh", m], {
    onOutput: (_s, lines) => Effect.sync(() => lines.includes("ready") && ready())
  })
  return { m, executor, req, isReady }
}

t.test("interrupting execute() kills the whole sandbox, SIGTERM-deaf processes and orphans included", async (t) => {
  const { m, executor, req, isReady } = await started(t, 200)
  const fiber = Effect.runFork(executor.execute(req))
  await isReady
  t.ok(liveWith(m).length > 0, "the children are running")
  const exit = await Effect.runPromise(Fiber.interrupt(fiber))
  t.ok(Exit.isInterrupted(exit))
  t.same(liveWith(m), [], "no process is left")
})

t.test("a timeout around execute() leaves no process either", async (t) => {
  const { m, executor, req, isReady } = await started(t, 200)
  const fiber = Effect.runFork(Effect.timeoutOption(executor.execute(req), "1 second"))
  await isReady
  const result = await Effect.runPromise(Fiber.join(fiber))
  t.equal(result._tag, "None", "timed out")
  t.same(liveWith(m), [], "no process is left")
})

t.test("a job that exits leaves no background process behind", async (t) => {
  const m = marker()
  const { rootfs } = busyboxRootfs(t, { bg: { "run.sh": "#!/bin/sh\nsleep $1 &\n(sleep $1 &)\necho started\n" } })
  const executor = makeSandboxExecutor({ killGraceMs: 200 })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/bg"), ["./run.sh", m])
  t.same(await Effect.runPromise(executor.execute(req)), { exitCode: 0, signal: null })
  t.same(lines(), ["started"])
  t.same(liveWith(m), [])
})

t.test("a job that handles SIGTERM gets to finish within the grace period", async (t) => {
  const { rootfs } = busyboxRootfs(t, {
    term: { "run.sh": "#!/bin/sh\ntrap 'echo cleaning up; exit 0' TERM\necho ready\nwhile true; do sleep 1; done\n" }
  })
  const executor = makeSandboxExecutor({ killGraceMs: 5000 })
  let ready!: () => void
  const isReady = new Promise<void>((resolve) => (ready = resolve))
  const seen: Array<string> = []
  const { req } = request(join(rootfs, "flwd-addon/jobs/term"), ["./run.sh"], {
    onOutput: (stream, lines) =>
      Effect.sync(() => {
        if (stream === "stdout") seen.push(...lines)
        if (lines.includes("ready")) ready()
      })
  })
  const fiber = Effect.runFork(executor.execute(req))
  await isReady
  await Effect.runPromise(Fiber.interrupt(fiber))
  t.same(seen, ["ready", "cleaning up"])
})
