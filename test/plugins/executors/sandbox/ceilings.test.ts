/**
 * Ceilings bound the whole run, not each process (issue 12, item 7): the
 * memory of all the sandbox's processes together, the size of its `/tmp`,
 * and how many processes it may have. Real bubblewrap over a busybox
 * rootfs; on this kind of host (root, cgroup v1 or v2 writable) the
 * ceilings go through a cgroup, and the plan says which one.
 */
import t from "tap"
import { execFileSync } from "node:child_process"
import { randomInt } from "node:crypto"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { launcher } from "../../../../plugins/executors/sandbox/launcher.ts"
import { detectCgroups, makeSandboxExecutor } from "../../../../plugins/executors/sandbox/mod.ts"
import { busyboxRootfs, liveWith, request, secure } from "./_fixture.ts"

// Applets the fixture does not link run as `busybox <applet>`.
const HOLDERS = `#!/bin/sh
# Five holders of 50 MB each: dd keeps its whole buffer while the pipe to a
# reader that never reads is full. A holder the kernel kills leaves a mark.
for i in 1 2 3 4 5; do
  { dd if=/dev/zero bs=50M count=1 2>/dev/null; echo $? > /tmp/killed$i; } | sleep 600 &
done
n=0
while [ $n -lt 3000 ]; do
  if busybox ls /tmp | busybox grep -q killed; then echo "a holder was killed"; exit 1; fi
  full=$(busybox awk '/^Name:/ { n = $2 } /^VmRSS:/ { if (n == "dd" && $2 >= 51200) c++ } END { print c + 0 }' /proc/[0-9]*/status 2>/dev/null)
  if [ "$full" = 5 ]; then echo "all five fit"; exit 0; fi
  busybox usleep 20000
  n=$((n + 1))
done
echo "the holders never filled"
exit 3
`

const TMP_FILLER = `#!/bin/sh
if busybox dd if=/dev/zero of=/tmp/fill bs=1M count=300 2>/flwd/run/dd.err; then echo "wrote 300 MB"; exit 0; fi
busybox cat /flwd/run/dd.err >&2
exit 1
`

/** Tries to write 300 MB into each writable memory-backed place besides /tmp. */
const OTHER_TMPFS = `#!/bin/sh
for f in /dev/shm/fill /dev/fill; do
  if dd if=/dev/zero of=$f bs=1M count=300 2>/dev/null; then echo "wrote 300 MB to $f"; else echo "refused $f"; fi
  rm -f $f
done
`

/** Starts up to 2,000 sleeps, printing how many it started. */
const forker = (marker: number) =>
  `#!/bin/sh
i=0
trap 'echo "started $i"' EXIT
while [ $i -lt 2000 ]; do
  sleep ${marker} &
  i=$((i + 1))
done
`

const CGROUP = /^cgroup v[12]$/

/** The step cgroups (`flwd-<run id>-…`) of the request runs still on the host. */
async function leftCgroups(): Promise<Array<string>> {
  const host = await detectCgroups()
  const parents = host === null ? [] : host.version === 2 ? [host.parent] : Object.values(host.parents)
  return parents.flatMap((p) => readdirSync(p).filter((name) => name.startsWith("flwd-run_test-")).map((name) => join(p, name)))
}

t.test("a memory ceiling bounds all the sandbox's processes together", async (t) => {
  const executor = makeSandboxExecutor({ ceilings: { memory: "64Mi" } })
  const { rootfs } = busyboxRootfs(t, { mem: { "run.sh": HOLDERS } })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/mem"), ["./run.sh"])
  const preview = await Effect.runPromise(executor.preview(req.job, secure))
  t.match(preview.details.enforcement, CGROUP, "the plan says the ceiling holds for the whole run")
  const result = await Effect.runPromise(executor.execute(req))
  t.not(result.exitCode, 0, "the run fails")
  t.notOk(lines().includes("all five fit"), "five 50 MB processes do not fit under 64Mi")
  t.ok(lines("stderr").some((l) => /memory ceiling \(64Mi\): the kernel killed/.test(l)), "the log says the memory ceiling killed it")
  t.same(await leftCgroups(), [], "the run's cgroups are gone")
})

t.test("/tmp is bounded by the tmp ceiling: writing past it fails with ENOSPC", async (t) => {
  for (const limits of ["auto", "rlimit"] as const) {
    const executor = makeSandboxExecutor({ ceilings: { tmp: "64Mi" }, limits })
    const { rootfs } = busyboxRootfs(t, { tmp: { "run.sh": TMP_FILLER } })
    const { req, lines } = request(join(rootfs, "flwd-addon/jobs/tmp"), ["./run.sh"])
    const preview = await Effect.runPromise(executor.preview(req.job, secure))
    t.match(preview.details.enforcement, limits === "auto" ? CGROUP : /^rlimit \(per process\)$/)
    t.match(preview.details.bounds, { tmp: "64Mi" })
    const result = await Effect.runPromise(executor.execute(req))
    t.equal(result.exitCode, 1, `${limits}: the write fails`)
    t.same(lines(), [], `${limits}: 300 MB never fit`)
    t.match(lines("stderr").join("\n"), /No space left on device/, `${limits}: with ENOSPC`)
  }
})

t.test("/dev and /dev/shm are no way around the tmp ceiling", async (t) => {
  const executor = makeSandboxExecutor({ ceilings: { tmp: "64Mi" } })
  const { rootfs } = busyboxRootfs(t, { shm: { "run.sh": OTHER_TMPFS } })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/shm"), ["./run.sh"])
  await Effect.runPromise(executor.execute(req))
  t.same(lines(), ["refused /dev/shm/fill", "refused /dev/fill"])
})

t.test("a pids ceiling stops a fork loop, and nothing of it is left on the host", async (t) => {
  const marker = randomInt(900_000, 999_999)
  const executor = makeSandboxExecutor({ ceilings: { pids: 64 } })
  const { rootfs } = busyboxRootfs(t, { bomb: { "run.sh": forker(marker) } })
  const { req, lines } = request(join(rootfs, "flwd-addon/jobs/bomb"), ["./run.sh"])
  const preview = await Effect.runPromise(executor.preview(req.job, secure))
  t.match(preview.details.enforcement, CGROUP)
  t.match(preview.details.bounds, { pids: 64 })
  const result = await Effect.runPromise(executor.execute(req))
  t.not(result.exitCode, 0, "the loop fails to fork")
  const started = Number(/^started (\d+)$/.exec(lines().at(-1) ?? "")?.[1] ?? NaN)
  t.ok(started < 64, `started ${started} sleeps, fewer than the ceiling`)
  t.match(lines("stderr").join("\n"), /fork/i, "the shell says it cannot fork")
  t.match(lines("stderr").join("\n"), /process ceiling \(pids 64\)/, "the log says the process ceiling refused forks")
  t.same(liveWith(String(marker)), [], "no sleep of the run is left on the host")
  t.same(await leftCgroups(), [], "the run's cgroups are gone")
})

t.test("launcher() sets RLIMIT_NPROC in the rlimit fallback, with prlimit or the shell's ulimit", async (t) => {
  t.same(launcher({ caps: { bwrap: "/usr/bin/bwrap", prlimit: "/usr/bin/prlimit" }, limits: {}, timeoutMs: undefined, cgroups: null, nproc: 77 }), [
    "/usr/bin/prlimit",
    "--nproc=77",
    "--",
    "/usr/bin/bwrap"
  ])
  // A stand-in for bubblewrap that reports the limit it got (bash spells it -u, dash -p).
  const [command, ...args] = launcher({ caps: { bwrap: "/bin/sh" }, limits: {}, timeoutMs: undefined, cgroups: null, nproc: 77 })
  t.equal(execFileSync(command, [...args, "-c", "ulimit -u 2>/dev/null || ulimit -p"], { encoding: "utf8" }).trim(), "77")
})

t.test("launcher() joins every cgroup before it execs bubblewrap, and never starts it when it cannot", async (t) => {
  const [command, ...args] = launcher({ caps: { bwrap: "/bin/echo" }, limits: {}, timeoutMs: undefined, cgroups: ["/nonexistent/flwd-cgroup"] })
  let code = 0
  try {
    execFileSync(command, [...args, "bubblewrap ran"], { encoding: "utf8", stdio: "pipe" })
  } catch (e) {
    code = (e as { status: number }).status
    t.notMatch(String((e as { stdout: string }).stdout), /bubblewrap ran/)
  }
  t.equal(code, 125)
})
