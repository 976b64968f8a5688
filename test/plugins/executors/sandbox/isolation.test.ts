/**
 * What a sandboxed job sees and may touch, with real bubblewrap over a
 * busybox-static rootfs.
 */
import t from "tap"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { makeSandboxExecutor } from "../../../../plugins/executors/sandbox/mod.ts"
import { addJob, busyboxRootfs, job, request } from "./_fixture.ts"

const executor = makeSandboxExecutor({ killGraceMs: 500 })
const run = (req: Parameters<typeof executor.execute>[0]) => Effect.runPromise(executor.execute(req))

t.test("execute() runs the job over its image: it sees the image's files and its arguments", async (t) => {
  const { rootfs } = busyboxRootfs(t, {
    hello: { "run.sh": '#!/bin/sh\necho "args: $*"\necho "count: $#"\ncat /etc/image-release\necho "cwd: $(pwd)"\nls /flwd/job\n' }
  })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/hello"), ["./run.sh", "one two", "three"])
  const result = await run(req)
  t.same(result, { exitCode: 0, signal: null })
  t.same(lines(), ["args: one two three", "count: 2", "busybox test image", "cwd: /flwd/run", "run.sh"])
})

t.test("execute() keeps the rootfs and the job directory read-only, the run directory and /tmp writable", async (t) => {
  const { rootfs } = busyboxRootfs(t, {
    w: {
      "run.sh": [
        "#!/bin/sh",
        "touch /etc/new 2>/dev/null && echo rootfs:writable || echo rootfs:read-only",
        "touch /newdir 2>/dev/null && echo root:writable || echo root:read-only",
        "touch /flwd/job/new 2>/dev/null && echo job:writable || echo job:read-only",
        "echo data > /flwd/run/out.txt && echo run:writable",
        "echo data > /tmp/x && echo tmp:writable",
        'echo data > "$FLWD_RUN_DIR/env.txt" && echo env-run:writable'
      ].join("\n")
    }
  })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/w"), ["./run.sh"])
  await run(req)
  t.same(lines(), ["rootfs:read-only", "root:read-only", "job:read-only", "run:writable", "tmp:writable", "env-run:writable"])
  t.notOk(existsSync(join(rootfs, "etc/new")))
  t.notOk(existsSync(join(rootfs, "flwd-addon/jobs/w/new")))
  t.equal(readFileSync(join(req.runDir, "out.txt"), "utf8"), "data\n", "the run directory is the host's req.runDir")
})

t.test("execute() hides host files outside the mounts", async (t) => {
  const hostDir = mkdtempSync(join(tmpdir(), "flwd-marker-"))
  t.teardown(() => rmSync(hostDir, { recursive: true, force: true }))
  const marker = join(hostDir, "marker.txt")
  writeFileSync(marker, "host secret\n")
  const { rootfs } = busyboxRootfs(t, { m: { "run.sh": '#!/bin/sh\ntest -e "$1" && echo visible || echo absent\nls /tmp | wc -l\n' } })
  const image = request(join(rootfs, "flwd-addon/jobs/m"), ["./run.sh", marker])
  await run(image.req)
  t.same(image.lines(), ["absent", "0"], "image job: marker absent, /tmp empty")
  // A local job over the host's /usr, /bin, /lib*: still no host /tmp, /etc or /root.
  const local = mkdtempSync(join(tmpdir(), "flwd-local-job-"))
  t.teardown(() => rmSync(local, { recursive: true, force: true }))
  writeFileSync(join(local, "run.sh"), '#!/bin/sh\ntest -e "$1" && echo visible || echo absent\nls /etc\ntest -e /root && echo root || echo no-root\n', {
    mode: 0o755
  })
  const host = request(local, ["./run.sh", marker])
  await run(host.req)
  t.same(host.lines(), ["absent", "alternatives", "ld.so.cache", "no-root"])
})

t.test("execute() runs unprivileged: uid 65534, no capabilities, no new privileges", async (t) => {
  const { rootfs } = busyboxRootfs(t, {
    id: { "run.sh": "#!/bin/sh\nid -u\nid -g\ngrep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status\necho \"pid: $$\"\n" }
  })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/id"), ["./run.sh"])
  await run(req)
  const out = lines()
  t.same(out.slice(0, 2), ["65534", "65534"])
  t.match(out[2], /^CapEff:\s+0+$/)
  t.match(out[3], /^CapBnd:\s+0+$/)
  t.match(out[4], /^NoNewPrivs:\s+1$/)
  t.equal(out[5], "pid: 2", "the job is a child of the sandbox's own pid 1")
})

t.test("execute() builds the environment from the image config and the request only", async (t) => {
  process.env.FLWD_SANDBOX_HOST_PROBE = "from-host"
  t.teardown(() => void delete process.env.FLWD_SANDBOX_HOST_PROBE)
  const { rootfs } = busyboxRootfs(t, { env: { "run.sh": "#!/bin/sh\nenv | sort\n" } })
  const dir = join(rootfs, "flwd-addon/jobs/env")
  const imageJob = job(dir, { image_config: { Env: ["PATH=/bin", "IMAGE_VAR=image", "ARG_X=image"] } })
  const env = { ARG_X: "request", FLWD_RUN_ID: "run_test", FLWD_RUN_DIR: "/host/path/work" }
  const secure = request(dir, ["./run.sh"], { job: imageJob, env })
  await run(secure.req)
  const vars = secure.lines()
  t.ok(vars.includes("IMAGE_VAR=image"), "image Env applies")
  t.ok(vars.includes("PATH=/bin"), "image PATH wins over the default")
  t.ok(vars.includes("ARG_X=request"), "the request wins over the image")
  t.ok(vars.includes("FLWD_RUN_DIR=/flwd/run"), "flwd paths are in-sandbox paths")
  t.notOk(vars.some((v) => v.startsWith("FLWD_SANDBOX_HOST_PROBE=")), "no host variable under secure")
  const open = request(dir, ["./run.sh"], { job: imageJob, env, settings: { network: false, inheritEnv: true, rootfsWritable: false } })
  await run(open.req)
  t.ok(open.lines().includes("FLWD_SANDBOX_HOST_PROBE=from-host"), "host variables when the profile allows them")
})

t.test("execute() honours a numeric or named image User but never root", async (t) => {
  const { rootfs } = busyboxRootfs(t, { u: { "run.sh": '#!/bin/sh\necho "$(id -u):$(id -g)"\n' } })
  const dir = join(rootfs, "flwd-addon/jobs/u")
  const as = async (User: string) => {
    const r = request(dir, ["./run.sh"], { job: job(dir, { image_config: { User } }) })
    await run(r.req)
    return r.lines()[0]
  }
  t.equal(await as("app"), "1000:1000")
  t.equal(await as("1234:5678"), "1234:5678")
  t.equal(await as("root"), "65534:65534")
  t.equal(await as("0"), "65534:65534")
})

t.test("execute() binds secrets read-only at /run/secrets and keeps them out of the environment", async (t) => {
  const { rootfs } = busyboxRootfs(t, {
    s: {
      "run.sh": [
        "#!/bin/sh",
        'cat "$FLWD_SECRETS_DIR/token"; echo',
        "env | grep -c hunter2 || true",
        "echo x > /run/secrets/token 2>/dev/null && echo writable || echo read-only",
        "ls /run/secrets"
      ].join("\n")
    }
  })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/s"), ["./run.sh"], { secrets: [{ name: "token", value: "hunter2" }] })
  await run(req)
  t.same(lines(), ["hunter2", "0", "read-only", "token"])
  t.notOk(existsSync(req.secretsDir), "the host copy is removed after the step")
})

t.test("execute() returns the job's exit code", async (t) => {
  const { rootfs } = busyboxRootfs(t, { x: { "run.sh": "#!/bin/sh\necho bye >&2\nexit 3\n" } })
  const { req, out } = request(join(rootfs, "flwd-addon/jobs/x"), ["./run.sh"])
  t.same(await run(req), { exitCode: 3, signal: null })
  t.same(out, [["stderr", "bye"]])
})

t.test("execute() fails with executor.failed when the program is not in the rootfs", async (t) => {
  const { rootfs } = busyboxRootfs(t, { n: { "config.yaml": "command: ./missing.sh\n" } })
  const { req } = request(join(rootfs, "flwd-addon/jobs/n"), ["./missing.sh"])
  const error = await Effect.runPromise(Effect.flip(executor.execute(req)))
  t.equal(error.code, "executor.failed")
  t.match(error.detail, /missing\.sh/)
})

t.test("execute() takes the rootfs from the job's rootfs field first", async (t) => {
  const { rootfs } = busyboxRootfs(t)
  const elsewhere = mkdtempSync(join(tmpdir(), "flwd-job-"))
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }))
  addJob(rootfs, "unused", {})
  writeFileSync(join(elsewhere, "run.sh"), "#!/bin/sh\ncat /etc/image-release\n", { mode: 0o755 })
  const { req, lines } = request(elsewhere, ["./run.sh"], { job: job(elsewhere, { rootfs }) })
  await run(req)
  t.same(lines(), ["busybox test image"])
})
