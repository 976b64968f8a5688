import t from "tap"
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { initAddon, validateAddon } from "../../../plugins/addon/mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"

t.test("initAddon() scaffolds a manifest and an example job that validate", async (t) => {
  const dir = join(tempDir(t), "My Tools")
  const r = await initAddon({ dir })
  t.same(r.files, ["manifest.yaml", "jobs/hello-world/config.yaml", "jobs/hello-world/run.sh"])
  t.equal(r.id, "my-tools")
  t.equal(r.name, "My Tools")
  const manifest = readFileSync(join(dir, "manifest.yaml"), "utf8")
  t.match(manifest, /^apiVersion: flwd\.addon\/v1\nkind: AddOn\nmetadata:\n {2}id: my-tools\n {2}name: "My Tools"\n {2}version: 0\.1\.0\n/)
  t.match(manifest, /requires:\n {2}flwd: ">=0\.1\.0"/)
  t.equal(statSync(join(dir, "jobs/hello-world/run.sh")).mode & 0o777, 0o755)
  t.match(readFileSync(join(dir, "jobs/hello-world/run.sh"), "utf8"), /^#!\/bin\/sh\n/)
  const v = await validateAddon({ target: dir, checkInterpreters: false })
  t.match(v, { valid: true, kind: "directory", addon: { id: "my-tools", name: "My Tools", version: "0.1.0" }, jobs: ["hello-world"], diagnostics: [] })
})

t.test("initAddon() runs the example job with busybox sh", async (t) => {
  const dir = join(tempDir(t), "hello")
  await initAddon({ dir })
  const { execFileSync } = await import("node:child_process")
  const out = execFileSync("busybox", ["sh", join(dir, "jobs/hello-world/run.sh")], { env: { ARG_NAME: "Alice" } }).toString()
  t.equal(out, "Hello, Alice!\n")
})

t.test("initAddon() takes --id and --name and refuses invalid ones", async (t) => {
  const base = tempDir(t)
  const r = await initAddon({ dir: join(base, "a"), id: "acme.tools", name: 'Acme: "tools"' })
  t.equal(r.id, "acme.tools")
  t.match(await validateAddon({ target: r.dir, checkInterpreters: false }), { valid: true, addon: { name: 'Acme: "tools"' } })
  t.match(await rejection(initAddon({ dir: join(base, "b"), id: "Bad Id" })), { code: "validation.failed", errors: [{ path: "id" }] })
  t.match(await rejection(initAddon({ dir: join(base, "c"), name: "two\nlines" })), { code: "validation.failed", errors: [{ path: "name" }] })
  t.notOk(existsSync(join(base, "b")), "nothing written for a refused id")
})

t.test("initAddon() refuses a non-empty directory unless forced", async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, "README.md"), "mine\n")
  const e = await rejection(initAddon({ dir }))
  t.match(e, { code: "validation.failed", errors: [{ path: "dir", message: "is not empty" }], detail: /--force/ })
  t.notOk(existsSync(join(dir, "manifest.yaml")))
  await initAddon({ dir, force: true, id: "forced" })
  t.equal(readFileSync(join(dir, "README.md"), "utf8"), "mine\n", "other files are kept")
  t.match(readFileSync(join(dir, "manifest.yaml"), "utf8"), /id: forced/)
})
