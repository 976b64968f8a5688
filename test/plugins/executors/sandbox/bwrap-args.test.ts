import t from "tap"
import { bwrapOptions, encodeArgs, isolationFlags } from "../../../../plugins/executors/sandbox/bwrap-args.ts"

const base = {
  mounts: [
    { type: "symlink" as const, link: "usr/bin", target: "/bin" },
    { type: "ro-bind" as const, source: "/img/usr", target: "/usr" }
  ],
  jobDir: "/img/flwd-addon/jobs/x",
  runDir: "/data/runs/r/work",
  network: false,
  userNamespace: true,
  disableUserns: true,
  uid: 65534,
  gid: 65534,
  env: { PATH: "/bin", ARG_X: "a b" }
}

t.test("isolationFlags() shares the network only when allowed and maps the uid only in a user namespace", async (t) => {
  t.notOk(isolationFlags(base).includes("--share-net"))
  t.ok(isolationFlags({ ...base, network: true }).includes("--share-net"))
  const noUserns = isolationFlags({ ...base, userNamespace: false })
  t.notOk(noUserns.includes("--uid"))
  t.notOk(noUserns.includes("--disable-userns"))
  t.ok(noUserns.includes("--cap-drop"))
})

t.test("bwrapOptions() mounts the rootfs, the job, the run dir, then makes / read-only", async (t) => {
  const args = bwrapOptions(base).join(" ")
  t.match(
    args,
    "--symlink usr/bin /bin --ro-bind /img/usr /usr --ro-bind /img/flwd-addon/jobs/x /flwd/job --bind /data/runs/r/work /flwd/run --tmpfs /tmp --proc /proc --dev /dev --tmpfs /dev/shm --remount-ro /dev --remount-ro / --chdir /flwd/run --clearenv"
  )
  t.match(args, "--setenv PATH /bin --setenv ARG_X a b")
  t.notOk(args.includes("/run/secrets"))
  t.match(bwrapOptions({ ...base, secretsDir: "/data/s" }).join(" "), "--ro-bind /data/s /run/secrets --remount-ro /")
})

t.test("encodeArgs() NUL-terminates every argument and refuses embedded NULs", async (t) => {
  t.equal(new TextDecoder().decode(encodeArgs(["--a", "b c"])), "--a\0b c\0")
  t.throws(() => encodeArgs(["bad\0"]))
})
