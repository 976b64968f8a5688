import t from "tap"
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { addonRootfsOf, rootfsOf } from "../../../../plugins/executors/sandbox/rootfs.ts"
import { tempDir } from "../../../helpers/engine.ts"
import { job } from "./_fixture.ts"

t.test("addonRootfsOf() finds the directory holding flwd-addon/jobs/", async (t) => {
  t.equal(addonRootfsOf("/data/addons/sha256:ab/rootfs/flwd-addon/jobs/hello"), "/data/addons/sha256:ab/rootfs")
  t.equal(addonRootfsOf("/data/addons/x/rootfs/flwd-addon/jobs/a/b/"), "/data/addons/x/rootfs")
  t.equal(addonRootfsOf("/home/me/jobs/hello"), null)
  t.equal(addonRootfsOf("/home/me/flwd-addon/manifest"), null)
})

t.test("rootfsOf() binds an image's top-level entries, recreates its links, and skips the sandbox's own mount points", async (t) => {
  const root = tempDir(t)
  for (const d of ["usr", "etc", "proc", "tmp", "run", "flwd", "dev", "flwd-addon/jobs/x"]) mkdirSync(join(root, d), { recursive: true })
  symlinkSync("usr/bin", join(root, "bin"))
  symlinkSync("/etc/host-escape", join(root, "escape"))
  writeFileSync(join(root, "file"), "x")
  const r = rootfsOf(job(join(root, "flwd-addon/jobs/x")), { hostPaths: [], network: false })
  t.equal(r.kind, "image")
  t.same(r.mounts, [
    { type: "symlink", link: "usr/bin", target: "/bin" },
    { type: "symlink", link: "/etc/host-escape", target: "/escape" },
    { type: "ro-bind", source: join(root, "etc"), target: "/etc" },
    { type: "ro-bind", source: join(root, "file"), target: "/file" },
    { type: "ro-bind", source: join(root, "flwd-addon"), target: "/flwd-addon" },
    { type: "ro-bind", source: join(root, "usr"), target: "/usr" }
  ])
})

t.test("rootfsOf() gives a local job the host's /usr, /bin, /lib* and adds resolver files only with network", async (t) => {
  const dir = tempDir(t)
  const plain = rootfsOf(job(dir), { hostPaths: ["/usr", "/bin", "/nonexistent"], network: false })
  t.equal(plain.kind, "host")
  t.ok(plain.mounts.some((m) => m.target === "/usr"))
  t.notOk(plain.mounts.some((m) => m.target === "/nonexistent"))
  t.notOk(plain.mounts.some((m) => m.target === "/etc/resolv.conf"))
  const net = rootfsOf(job(dir), { hostPaths: ["/usr"], network: true })
  t.match(net.describe, /\/etc\/resolv\.conf/)
})
