/**
 * `:addon validate` and `:addon pack` check each job's interpreter against
 * the files of the image it packs into, through the real CLI: a scaffold
 * packed from scratch has no `/bin/sh` and is refused with the job and the
 * path, instead of passing and failing at its first run with
 * `execvp … No such file or directory`; `init --busybox` gives it one.
 */
import t from "tap"
import { existsSync, lstatSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { packAddon } from "../../../plugins/addon/mod.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { sandbox } from "../../cli/_flwd.ts"

t.test("a scratch image without /bin/sh fails validate and pack with the job and the missing path", async (t) => {
  const s = sandbox(t)
  const dir = join(s.cwd, "hello-tools")
  t.equal((await s.flwd([":addon", "init", dir])).code, 0)
  const v = await s.flwd([":addon", "validate", dir])
  t.equal(v.code, 2, v.stdout)
  t.match(
    v.stderr,
    /^flwd: addon\.interpreter\.missing: .*jobs\/hello-world\/run\.sh: job hello-world: its #! line runs \/bin\/sh, which the image does not have/m
  )
  t.match(v.stderr, /fix: .*--busybox/)
  const json = await s.flwd([":addon", "validate", dir, "--json"])
  t.match(JSON.parse(json.stderr), { code: "addon.interpreter.missing", status: 422, errors: [{ path: "jobs/hello-world/run.sh", message: /\/bin\/sh/ }] })
  const packed = await s.flwd([":addon", "pack", dir, "--tag", "127.0.0.1:5000/example/hello-tools:0.1.0", "--oci-layout", join(s.cwd, "layout")])
  t.equal(packed.code, 2)
  t.match(packed.stderr, /addon\.interpreter\.missing/)
  t.notOk(existsSync(join(s.cwd, "layout")), "nothing written")
})

t.test("a command or interpreter missing from the image names config.yaml; one on the image's PATH passes", async (t) => {
  const s = sandbox(t)
  const dir = join(s.cwd, "tools")
  t.equal((await s.flwd([":addon", "init", dir, "--busybox"])).code, 0)
  writeFileSync(join(dir, "jobs/hello-world/config.yaml"), "summary: Greets\ninterpreter: python3 -u\ncommand: ./run.sh\n")
  const v = await s.flwd([":addon", "validate", dir, "--json"])
  t.equal(v.code, 2)
  t.match(JSON.parse(v.stderr), {
    code: "addon.interpreter.missing",
    errors: [{ path: "jobs/hello-world/config.yaml", message: /runs python3, which the image does not have on PATH/ }]
  })
  writeFileSync(join(dir, "jobs/hello-world/config.yaml"), "summary: Greets\ncommand: sh ./run.sh\n")
  const ok = await s.flwd([":addon", "validate", dir])
  t.equal(ok.code, 0, ok.stderr)
})

t.test("init --busybox copies a static busybox with sh linked to it, and the scaffold validates", async (t) => {
  const s = sandbox(t)
  const dir = join(s.cwd, "hello-tools")
  const init = await s.flwd([":addon", "init", dir, "--busybox"])
  t.equal(init.code, 0, init.stderr)
  t.match(init.stdout, /rootfs\/bin\/busybox, rootfs\/bin\/sh\n$/)
  t.equal(lstatSync(join(dir, "rootfs/bin/busybox")).mode & 0o777, 0o755)
  t.equal(readlinkSync(join(dir, "rootfs/bin/sh")), "busybox")
  const v = await s.flwd([":addon", "validate", dir])
  t.equal(v.code, 0, v.stderr)
})

t.test("validate of a pushed image without /bin/sh fails the same way; with busybox in it, it passes", async (t) => {
  const registry = await startRegistry(t)
  const s = sandbox(t)
  const bare = join(s.cwd, "bare")
  t.equal((await s.flwd([":addon", "init", bare])).code, 0)
  // An image pushed by an older flwd, or by other tools: never checked.
  await packAddon({ dir: bare, tag: `${registry.host}/example/bare:1`, push: true, checkInterpreters: false })
  const v = await s.flwd([":addon", "validate", `${registry.host}/example/bare:1`, "--json"])
  t.equal(v.code, 2, v.stdout)
  t.match(JSON.parse(v.stderr), { code: "addon.interpreter.missing", errors: [{ path: "jobs/hello-world/run.sh", message: /\/bin\/sh/ }] })
  const good = join(s.cwd, "good")
  t.equal((await s.flwd([":addon", "init", good, "--busybox"])).code, 0)
  t.equal((await s.flwd([":addon", "pack", good, "--tag", `${registry.host}/example/good:1`, "--push"])).code, 0)
  const ok = await s.flwd([":addon", "validate", `${registry.host}/example/good:1`])
  t.equal(ok.code, 0, ok.stderr)
})
