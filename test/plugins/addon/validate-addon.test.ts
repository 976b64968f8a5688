import t from "tap"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { validateAddon } from "../../../plugins/addon/mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { addonEngine, call, manifestYaml, pushAddon, testPolicy } from "../sources/oci/_addon.ts"
import { scaffold, write } from "./_addon.ts"

t.test("validateAddon() reports a directory without a manifest as E_ADDON_MANIFEST", async (t) => {
  const dir = await scaffold(t)
  rmSync(join(dir, "manifest.yaml"))
  const v = await validateAddon({ target: dir })
  t.match(v, { valid: false, kind: "directory", jobs: [], problem: { code: "E_ADDON_MANIFEST", errors: [{ path: "manifest.yaml", message: "is missing" }] } })
})

t.test("validateAddon() names every failing manifest field", async (t) => {
  const dir = await scaffold(t)
  write(dir, {
    "manifest.yaml": 'apiVersion: flwd.addon/v2\nkind: AddOn\nmetadata: { id: Hello, name: x, version: one }\nrequires: { flwd: ">=0.1.0" }\nextra: 1\n'
  })
  const v = await validateAddon({ target: dir })
  t.equal(v.valid, false)
  t.equal(v.problem?.code, "E_ADDON_MANIFEST")
  const paths = v.problem?.errors?.map((e) => e.path).sort()
  t.same(paths, ["apiVersion", "extra", "metadata.id", "metadata.version"])
})

t.test("validateAddon() reports a listed job missing from jobs/ and a too-new requires.flwd", async (t) => {
  const dir = await scaffold(t)
  write(dir, { "manifest.yaml": manifestYaml({ jobs: "jobs:\n  - { id: nope }" }) })
  t.match(await validateAddon({ target: dir }), {
    valid: false,
    problem: { code: "E_ADDON_MANIFEST", errors: [{ path: "jobs.0.id", message: /no job nope/ }] }
  })
  write(dir, { "manifest.yaml": manifestYaml({ jobs: null }).replace(">=0.1.0", ">=99.0.0") })
  t.match(await validateAddon({ target: dir }), { valid: false, problem: { code: "E_ADDON_MANIFEST", errors: [{ path: "requires.flwd" }] } })
})

t.test("validateAddon() fails on broken job definitions with discovery.invalid and their paths", async (t) => {
  const dir = await scaffold(t)
  write(dir, {
    "jobs/hello-world/config.yaml": "command: ./run.sh\nargspec:\n  args:\n    - { name: n, type: nope }\n",
    "jobs/other/config.yaml": "command: ./run.sh\ncolour: red\n",
    "jobs/other/run.sh": "#!/bin/sh\n"
  })
  write(dir, { "manifest.yaml": manifestYaml({ jobs: null }) })
  const v = await validateAddon({ target: dir })
  t.equal(v.valid, false)
  t.match(v.problem, { code: "discovery.invalid", errors: [{ path: "jobs/hello-world/config.yaml", message: /argspec\.args\[0\]\.type/ }] })
  t.same(v.jobs, ["other"])
  t.match(v.diagnostics.find((d) => d.level === "warning"), { code: "config.unknown.key", path: "jobs/other/config.yaml" })
})

t.test("validateAddon() gives an image the same problem as adding it as a source", async (t) => {
  const registry = await startRegistry(t)
  const bad = manifestYaml({ version: "1.x", extra: "colour: red" })
  await pushAddon(registry.url, "example/addon", "bad", { manifest: bad })
  await pushAddon(registry.url, "example/addon", "good")
  const ref = `${registry.host}/example/addon:bad`
  const v = await validateAddon({ target: ref })
  t.match(v, { valid: false, kind: "image", subject: ref, digest: /^sha256:/ })
  const { engine } = await addonEngine(t, testPolicy(registry.host))
  const added = await rejection(call(engine, (e) => e.addSource({ type: "oci", name: "addon", ref, trusted: true })))
  t.equal(v.problem?.code, added.code)
  t.equal(v.problem?.code, "E_ADDON_MANIFEST")
  t.same(v.problem?.errors, added.errors, "same errors[] as POST /sources")
  t.equal(v.problem?.detail, added.detail)

  const good = await validateAddon({ target: `${registry.host}/example/addon:good` })
  t.match(good, { valid: true, kind: "image", addon: { id: "hello-tools", version: "1.0.0" }, jobs: ["hello-world"] })
})

t.test("validateAddon() fails with E_OCI for an image that is not there, validation.failed for nonsense", async (t) => {
  const registry = await startRegistry(t)
  t.match(await rejection(validateAddon({ target: `${registry.host}/example/none:1`, registry: { dockerConfig: false } })), {
    code: "E_OCI",
    detail: /MANIFEST_UNKNOWN|NAME_UNKNOWN/
  })
  const missing = join(tempDir(t), "Not A Dir")
  t.match(await rejection(validateAddon({ target: missing })), { code: "validation.failed", detail: /neither a directory nor an image reference/ })
})
