/**
 * The sandbox executor through the engine (createEngine): local jobs that
 * opt in with `executor: sandbox`, an add-on-shaped tree whose rootfs is
 * found from the job directory, timeout and cancel.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import type { RunEvent } from "../../../../mod.ts"
import { call, exampleTree, startEngine } from "../../../helpers/engine.ts"
import { addJob, busyboxRootfs, liveWith } from "./_fixture.ts"

type Handle = Awaited<ReturnType<typeof startEngine>>

async function events(engine: Handle, id: string): Promise<Array<RunEvent>> {
  return [...await call(engine, (e) => Stream.runCollect(e.runEvents(id)))]
}

const logLines = (all: Array<RunEvent>) => all.filter((e) => e.type === "log" && e.data.stream === "stdout").map((e) => e.data.line)

t.test("a local job with executor: sandbox runs sandboxed while other local jobs keep the process executor", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  mkdirSync(join(root, "boxed"))
  writeFileSync(
    join(root, "boxed", "config.yaml"),
    [
      "command: ./run.sh",
      "executor: sandbox",
      "argspec:",
      "  args:",
      "    - { name: name, type: string, required: true }",
      "    - { name: token, type: string, format: secret }"
    ].join("\n")
  )
  writeFileSync(
    join(root, "boxed", "run.sh"),
    [
      "#!/bin/sh",
      'echo "hello $ARG_NAME from $(id -u) in $(pwd)"',
      'echo "token file: $(cat "$FLWD_SECRETS_DIR/token" | wc -c)"',
      "env | grep -c TOKEN_VALUE || true"
    ].join("\n"),
    { mode: 0o755 }
  )
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const plan = await call(engine, (e) => e.plan({ job: "boxed", args: { name: "Ada" } }))
  t.equal(plan.executor.kind, "sandbox")
  t.equal(plan.executor.available, true)
  t.equal(plan.executor.details.network, "none")
  const run = await call(engine, (e) => e.run({ job: "boxed", args: { name: "Ada", token: "TOKEN_VALUE" } }))
  const all = await events(engine, run.id)
  t.same(logLines(all), ["hello Ada from 65534 in /flwd/run", "token file: 11", "0"])
  t.equal(all.at(-1)?.type, "run.finished")
  t.equal(all.find((e) => e.type === "run.started")?.data.executor, "sandbox")
  const hello = await call(engine, (e) => e.run({ job: "hello-world", args: { name: "Bob" } }))
  const helloEvents = await events(engine, hello.id)
  t.equal(helloEvents.find((e) => e.type === "run.started")?.data.executor, "process")
  t.equal(helloEvents.at(-1)?.type, "run.finished")
})

function addonTree(t: Parameters<typeof busyboxRootfs>[0], m: string) {
  const { dir, rootfs } = busyboxRootfs(t)
  const sandboxed = (body: string, extra = "") => ({ "config.yaml": `command: ./run.sh\nexecutor: sandbox\n${extra}`, "run.sh": `#!/bin/sh\n${body}\n` })
  addJob(rootfs, "release", sandboxed('cat /etc/image-release\necho "$FLWD_JOB_ID"'))
  addJob(rootfs, "fail", sandboxed("echo failing\nexit 3"))
  const bomb = `i=0\nwhile [ $i -lt 20 ]; do (sleep ${m} &); i=$((i+1)); done\nsh -c "sleep ${m} & wait" &\necho ready\nwait`
  addJob(rootfs, "slow", sandboxed(bomb, "timeout: 1s\n"))
  addJob(rootfs, "forever", sandboxed(bomb))
  return { dir, root: join(rootfs, "flwd-addon", "jobs"), dataDir: join(dir, "data"), rootfs }
}

t.test("add-on-shaped jobs run over the rootfs that holds their flwd-addon/ tree", async (t) => {
  const m = String(800000 + Math.floor(Math.random() * 99999))
  const { dir, root, dataDir, rootfs } = addonTree(t, m)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const plan = await call(engine, (e) => e.plan({ job: "release" }))
  t.equal(plan.executor.details.rootfs, rootfs)
  const ok = await call(engine, (e) => e.run({ job: "release" }))
  t.same(logLines(await events(engine, ok.id)), ["busybox test image", "release"])

  const failed = await call(engine, (e) => e.run({ job: "fail" }))
  const failedEvents = await events(engine, failed.id)
  t.match(failedEvents.at(-1), { type: "run.failed", data: { code: "run.exit.nonzero", exit_code: 3 } })
  const record = await call(engine, (e) => e.getRun(failed.id))
  t.equal(record.status, "failed")
  t.equal(record.exit_code, 3)
})

t.test("a timeout stops a sandboxed fork burst and leaves no process", async (t) => {
  const m = String(800000 + Math.floor(Math.random() * 99999))
  const { dir, root, dataDir } = addonTree(t, m)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const run = await call(engine, (e) => e.run({ job: "slow" }))
  const all = await events(engine, run.id)
  t.ok(logLines(all).includes("ready"))
  t.match(all.at(-1), { type: "run.failed", data: { code: "run.timeout" } })
  t.same(liveWith(m), [], "no process is left")
})

t.test("cancel stops a sandboxed fork burst and leaves no process", async (t) => {
  const m = String(800000 + Math.floor(Math.random() * 99999))
  const { dir, root, dataDir } = addonTree(t, m)
  const engine = await startEngine(t, { root, dataDir, allowedLocalRoots: [dir] })
  const run = await call(engine, (e) => e.run({ job: "forever" }))
  // Wait until the job has started its children.
  await call(engine, (e) => Stream.runCollect(e.runEvents(run.id).pipe(Stream.takeUntil((ev) => ev.type === "log" && ev.data.line === "ready")))).then(
    Chunk.toReadonlyArray
  )
  const canceled = await call(engine, (e) => e.cancel(run.id))
  t.equal(canceled.status, "canceled")
  const all = await events(engine, run.id)
  t.equal(all.at(-1)?.type, "run.canceled")
  t.same(liveWith(m), [], "no process is left")
})
