/**
 * Capability detection, and the refusal of sandboxed jobs when no sandbox
 * can be made: at plan time (422 `container.runtime.unavailable`) and at
 * run time, never a fallback to the host.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { Engine, engineLayer, resolveSettings } from "../../../../mod.ts"
import { layerEnginePlatform } from "../../../../engine/platform.ts"
import { processExecutorPlugin } from "../../../../plugins/executors/process/mod.ts"
import { detectSandbox, makeSandboxExecutor, sandboxExecutorPlugin } from "../../../../plugins/executors/sandbox/mod.ts"
import { builtinProfiles } from "../../../../plugins/profiles/mod.ts"
import { loadRootTree, localSource } from "../../../../plugins/sources/local/mod.ts"
import * as SqliteStore from "../../../../plugins/stores/sqlite/mod.ts"
import { tempDir } from "../../../helpers/engine.ts"
import { busyboxRootfs, request, secure } from "./_fixture.ts"

t.test("detectSandbox() finds bubblewrap and a user namespace on this host", async (t) => {
  const caps = await detectSandbox()
  t.equal(caps.available, true, caps.reason ?? "available")
  t.match(caps.version, /^\d+\.\d+/)
  t.equal(caps.userNamespace, true)
  t.ok(caps.limits === "rlimit" || caps.limits === "cgroup")
})

t.test("detectSandbox() reports a missing bubblewrap", async (t) => {
  const caps = await detectSandbox({ bwrap: "/nonexistent/bwrap" })
  t.equal(caps.available, false)
  t.match(caps.reason, /bubblewrap not found/)
})

t.test("detectSandbox() reports a bubblewrap that cannot create namespaces", async (t) => {
  const dir = tempDir(t)
  const fake = join(dir, "bwrap")
  writeFileSync(
    fake,
    "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'bubblewrap 0.8.0'; exit 0; }\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n",
    { mode: 0o755 }
  )
  const caps = await detectSandbox({ bwrap: fake })
  t.equal(caps.available, false)
  t.equal(caps.version, "0.8.0")
  t.match(caps.reason, /cannot create the sandbox namespaces: bwrap: No permissions/)
})

t.test("an unavailable sandbox says so in the preview and refuses to execute", async (t) => {
  const executor = makeSandboxExecutor({ bwrap: "/nonexistent/bwrap" })
  const { rootfs } = busyboxRootfs(t, { x: { "run.sh": "#!/bin/sh\necho ran\n" } })
  const { req, out } = request(join(rootfs, "flwd-addon/jobs/x"), ["./run.sh"])
  const preview = await Effect.runPromise(executor.preview(req.job, secure))
  t.equal(preview.kind, "sandbox")
  t.equal(preview.available, false)
  t.match(preview.details.reason, /not found/)
  const error = await Effect.runPromise(Effect.flip(executor.execute(req)))
  t.equal(error.code, "container.runtime.unavailable")
  t.equal(error.status, 422)
  t.same(out, [], "nothing ran")
})

t.test("malformed ceilings make the sandbox unavailable rather than unlimited", async (t) => {
  const executor = makeSandboxExecutor({ ceilings: { memory: "lots" } })
  const { rootfs } = busyboxRootfs(t, { x: {} })
  const { req } = request(join(rootfs, "flwd-addon/jobs/x"), ["./run.sh"])
  const preview = await Effect.runPromise(executor.preview(req.job, secure))
  t.equal(preview.available, false)
  t.match(preview.details.reason, /ceilings\.memory "lots"/)
})

t.test("the preview shows the sandbox: bubblewrap version, flags, network, rootfs, limits", async (t) => {
  const executor = makeSandboxExecutor({ ceilings: { memory: "256Mi", cpu: "1" } })
  const { rootfs } = busyboxRootfs(t, { x: {} })
  const { req } = request(join(rootfs, "flwd-addon/jobs/x"), ["./run.sh"])
  const preview = await Effect.runPromise(executor.preview(req.job, secure))
  t.equal(preview.available, true)
  t.match(preview.details, {
    bwrap: /^\d+\.\d+/,
    network: "none",
    rootfs,
    uid: 65534,
    gid: 65534,
    limits: /^(rlimit|cgroup)$/,
    ceilings: { memory: "256Mi", cpu: "1" }
  })
  t.same(preview.details.flags, [
    "--unshare-all",
    "--unshare-user",
    "--uid",
    "65534",
    "--gid",
    "65534",
    "--disable-userns",
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "--new-session"
  ])
  const local = await Effect.runPromise(executor.preview({ ...req.job, dir: tempDir(t) }, secure))
  t.match(local.details.rootfs, /^host:\/usr,\/bin,/)
})

t.test("the planner refuses a sandboxed job with container.runtime.unavailable; process jobs still run", async (t) => {
  const dir = tempDir(t)
  const root = join(dir, "jobs")
  mkdirSync(join(root, "boxed"), { recursive: true })
  writeFileSync(join(root, "boxed", "config.yaml"), "command: ./run.sh\nexecutor: sandbox\n")
  writeFileSync(join(root, "boxed", "run.sh"), "#!/bin/sh\necho boxed\n", { mode: 0o755 })
  mkdirSync(join(root, "plain"))
  writeFileSync(join(root, "plain", "config.yaml"), "command: ./run.sh\n")
  writeFileSync(join(root, "plain", "run.sh"), "#!/bin/sh\necho plain\n", { mode: 0o755 })
  const settings = resolveSettings({ root, dataDir: join(dir, "data"), allowedLocalRoots: [dir], env: {} })
  mkdirSync(settings.dataDir, { recursive: true })
  const plugins = {
    sources: [localSource],
    profiles: builtinProfiles,
    executors: [processExecutorPlugin({ killGraceMs: 200 }), sandboxExecutorPlugin({ bwrap: "/nonexistent/bwrap" })],
    defaultExecutor: "process"
  }
  const layer = engineLayer(settings, plugins, { root: { type: "local", path: root, load: loadRootTree(root) } }).pipe(
    Layer.provide(SqliteStore.layer({ path: join(settings.dataDir, "flwd.db") })),
    Layer.provide(layerEnginePlatform)
  )
  const runtime = ManagedRuntime.make(layer)
  t.teardown(() => runtime.dispose())
  const error = await runtime.runPromise(Effect.flip(Effect.flatMap(Engine, (e) => e.plan({ job: "boxed" }))))
  t.equal(error.code, "container.runtime.unavailable")
  t.equal(error.status, 422)
  const runError = await runtime.runPromise(Effect.flip(Effect.flatMap(Engine, (e) => e.run({ job: "boxed" }))))
  t.equal(runError.code, "container.runtime.unavailable", "a run is refused the same way")
  const run = await runtime.runPromise(Effect.flatMap(Engine, (e) => Effect.zipLeft(e.run({ job: "plain" }), e.awaitIdle)))
  const done = await runtime.runPromise(Effect.flatMap(Engine, (e) => e.getRun(run.id)))
  t.equal(done.status, "succeeded")
  t.equal(done.plan.executor.kind, "process")
})
