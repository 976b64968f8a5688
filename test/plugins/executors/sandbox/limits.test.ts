/**
 * Ceilings: parsing the policy's quantities, and enforcing memory with the
 * mechanism this host allows (rlimits where cgroup v2 is not writable).
 */
import t from "tap"
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { cgroupValues, parseCeilings, parseCpu, parseMemory, rlimitOptions, ulimitScript } from "../../../../plugins/executors/sandbox/limits.ts"
import { launcher } from "../../../../plugins/executors/sandbox/launcher.ts"
import { makeSandboxExecutor } from "../../../../plugins/executors/sandbox/mod.ts"
import { busyboxRootfs, request, secure } from "./_fixture.ts"

t.test("parseMemory() reads Kubernetes-style quantities", async (t) => {
  t.equal(parseMemory("512Mi"), 512 * 1024 * 1024)
  t.equal(parseMemory("1G"), 1e9)
  t.equal(parseMemory("1.5Gi"), 1.5 * 2 ** 30)
  t.equal(parseMemory("4096"), 4096)
  t.equal(parseMemory("lots"), null)
  t.equal(parseMemory("-1Mi"), null)
  t.equal(parseMemory("0"), null)
})

t.test("parseCpu() reads cores and millicores", async (t) => {
  t.equal(parseCpu("1"), 1)
  t.equal(parseCpu("0.5"), 0.5)
  t.equal(parseCpu("250m"), 0.25)
  t.equal(parseCpu("two"), null)
})

t.test("parseCeilings() names the malformed ceiling", async (t) => {
  t.same(parseCeilings(undefined), { limits: {} })
  t.same(parseCeilings({ memory: "64Mi", cpu: "500m" }), { limits: { memoryBytes: 64 * 2 ** 20, cpus: 0.5 } })
  t.match(parseCeilings({ cpu: "x" }), { error: /ceilings\.cpu/ })
  t.same(parseCeilings({ timeout: "30m" }), { limits: { timeoutMs: 30 * 60_000 } })
  t.match(parseCeilings({ timeout: "soon" }), { error: /ceilings\.timeout/ })
})

t.test("rlimit and cgroup values for the limits", async (t) => {
  const limits = { memoryBytes: 64 * 2 ** 20, cpus: 0.5 }
  t.same(rlimitOptions(limits, 60_000), ["--as=67108864", "--cpu=30"])
  t.same(rlimitOptions(limits, undefined), ["--as=67108864"], "a CPU rate has no rlimit without a timeout to budget")
  t.same(rlimitOptions({ ...limits, timeoutMs: 20_000 }, 60_000), ["--as=67108864", "--cpu=10"], "the shorter timeout bounds the budget")
  t.same(rlimitOptions({ cpus: 2, timeoutMs: 20_000 }, undefined), ["--cpu=40"])
  t.equal(ulimitScript(limits, 60_000), 'ulimit -v 65536 && ulimit -t 30 && exec "$@"')
  t.same(cgroupValues(limits), [["memory.max", "67108864"], ["memory.swap.max", "0"], ["cpu.max", "50000 100000"]])
})

t.test("a memory ceiling stops a job from allocating past it", async (t) => {
  const executor = makeSandboxExecutor({ ceilings: { memory: "64Mi" }, limits: "rlimit" })
  const { rootfs } = busyboxRootfs(t, {
    mem: { "run.sh": "#!/bin/sh\nif dd if=/dev/zero of=/dev/null bs=$1 count=1 2>/dev/null; then echo allocated; else echo refused; fi\n" }
  })
  const dir = join(rootfs, "flwd-addon/jobs/mem")
  const small = request(dir, ["./run.sh", "4M"])
  await Effect.runPromise(executor.execute(small.req))
  t.same(small.lines(), ["allocated"])
  const big = request(dir, ["./run.sh", "256M"])
  await Effect.runPromise(executor.execute(big.req))
  t.same(big.lines(), ["refused"])
  const preview = await Effect.runPromise(executor.preview(small.req.job, secure))
  t.equal(preview.details.limits, "rlimit", "the plan says which mechanism applies")
  t.same(preview.details.ceilings, { memory: "64Mi" })
})

t.test("without ceilings nothing is limited", async (t) => {
  const executor = makeSandboxExecutor()
  const { rootfs } = busyboxRootfs(t, { mem: { "run.sh": "#!/bin/sh\ndd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null && echo allocated\n" } })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/mem"), ["./run.sh"])
  await Effect.runPromise(executor.execute(req))
  t.same(lines(), ["allocated"])
})

t.test("launcher() wraps bubblewrap in prlimit, or in a shell's ulimit when prlimit is missing", async (t) => {
  const limits = { memoryBytes: 64 * 2 ** 20, cpus: 1 }
  t.same(launcher({ caps: { bwrap: "/usr/bin/bwrap" }, limits: {}, timeoutMs: 1000, cgroups: null }), ["/usr/bin/bwrap"])
  t.same(launcher({ caps: { bwrap: "/usr/bin/bwrap", prlimit: "/usr/bin/prlimit" }, limits, timeoutMs: 10_000, cgroups: null }), [
    "/usr/bin/prlimit",
    "--as=67108864",
    "--cpu=10",
    "--",
    "/usr/bin/bwrap"
  ])
  t.equal(launcher({ caps: { bwrap: "/usr/bin/bwrap" }, limits, timeoutMs: undefined, cgroups: ["/sys/fs/cgroup/x"] })[4], "/sys/fs/cgroup/x")
  // Run the shell fallback with a stand-in for bubblewrap that reports its limits.
  const [command, ...args] = launcher({ caps: { bwrap: "/bin/sh" }, limits, timeoutMs: 10_000, cgroups: null })
  const out = execFileSync(command, [...args, "-c", "ulimit -v; ulimit -t"], { encoding: "utf8" })
  t.same(out.trim().split("\n"), ["65536", "10"])
})
