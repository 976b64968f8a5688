import t from "tap"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { MAX_MANIFEST_BYTES, parseAddonManifest, validateAddonTree } from "../../../../plugins/sources/oci/mod.ts"
import { HELLO_CONFIG, helloRun, manifestYaml } from "./_addon.ts"

const errorsOf = (text: string, flwdVersion?: string) => {
  const r = parseAddonManifest(text, { flwdVersion })
  return Either.isLeft(r) ? r.left : []
}

t.test("parseAddonManifest() decodes the manifest of DESIGN §5", async (t) => {
  const r = parseAddonManifest(manifestYaml(), { flwdVersion: "0.1.0" })
  t.ok(Either.isRight(r))
  if (Either.isRight(r)) {
    t.same(r.right.metadata, {
      id: "hello-tools",
      name: "Hello Tools",
      version: "1.0.0",
      summary: "Greeting jobs",
      license: "Apache-2.0",
      maintainers: [{ name: "Example Maintainer" }]
    })
    t.same(r.right.requires, { flwd: ">=0.1.0", permissions: [] })
    t.same(r.right.jobs, [{ id: "hello-world", summary: "Greets someone" }])
  }
  t.ok(Either.isRight(parseAddonManifest(manifestYaml({ jobs: null }))), "the jobs list is optional")
})

t.test("parseAddonManifest() rejects a wrong apiVersion and kind with their paths", async (t) => {
  t.match(errorsOf(manifestYaml({ apiVersion: "flwd.addon/v2" })), [{ path: "apiVersion", message: /flwd\.addon\/v1/ }])
  t.match(errorsOf(manifestYaml().replace("kind: AddOn", "kind: Plugin")), [{ path: "kind" }])
})

t.test("parseAddonManifest() rejects a version that is not semver", async (t) => {
  t.match(errorsOf(manifestYaml({ version: '"1.0"' })), [{ path: "metadata.version", message: "must be a semantic version such as 1.0.0" }])
  t.match(errorsOf(manifestYaml({ version: "1.0" })), [{ path: "metadata.version", message: /Expected string/ }], "YAML reads 1.0 as a number")
  t.match(errorsOf(manifestYaml({ version: "v1.0.0" })), [{ path: "metadata.version" }])
  t.match(errorsOf(manifestYaml().replace('">=0.1.0"', '"not a range"')), [{ path: "requires.flwd" }])
})

t.test("parseAddonManifest() rejects unknown keys at every level", async (t) => {
  t.match(errorsOf(manifestYaml({ extra: "entrypoint: /bin/sh" })), [{ path: "entrypoint", message: /unexpected/ }])
  t.match(errorsOf(manifestYaml().replace("  license: Apache-2.0", "  licence: Apache-2.0")), [{ path: "metadata.licence" }])
  t.match(errorsOf(manifestYaml({ jobs: "jobs:\n  - { id: hello-world, command: rm }" })), [{ path: "jobs.0.command" }])
})

t.test("parseAddonManifest() lists every failing field", async (t) => {
  const errors = errorsOf("apiVersion: x\nkind: AddOn\nmetadata: { id: Bad_Id, name: '', version: one }\nrequires: { permissions: [root] }\n")
  t.same(errors.map((e) => e.path).sort(), ["apiVersion", "metadata.id", "metadata.name", "metadata.version", "requires.flwd", "requires.permissions.0"])
})

t.test("parseAddonManifest() checks requires.flwd against the running version", async (t) => {
  t.same(errorsOf(manifestYaml().replace('">=0.1.0"', '">=9.0.0"'), "0.1.0"), [{ path: "requires.flwd", message: "needs flwd >=9.0.0; this is flwd 0.1.0" }])
})

t.test("parseAddonManifest() rejects duplicate job ids, bad job paths, non-mappings and bad YAML", async (t) => {
  t.match(errorsOf(manifestYaml({ jobs: "jobs:\n  - { id: a }\n  - { id: a }" })), [{ path: "jobs.1.id", message: "lists a twice" }])
  t.match(errorsOf(manifestYaml({ jobs: "jobs:\n  - { id: ../etc }" })), [{ path: "jobs.0.id" }])
  t.match(errorsOf("- a\n- b\n"), [{ path: "", message: "must be a YAML mapping" }])
  t.match(errorsOf("a: [\n"), [{ path: "", message: /is not valid YAML/ }])
  t.match(errorsOf("a: 1\na: 2\n"), [{ path: "", message: /is not valid YAML/ }], "duplicate keys")
})

function addonDir(t: { teardown: (fn: () => void) => void }, manifest: string | null, jobs: Record<string, Record<string, string>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-addon-tree-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  if (manifest !== null) writeFileSync(join(dir, "manifest.yaml"), manifest)
  for (const [id, files] of Object.entries(jobs)) {
    mkdirSync(join(dir, "jobs", id), { recursive: true })
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, "jobs", id, name), body)
  }
  return dir
}

const validate = (dir: string) => Effect.runPromise(Effect.either(validateAddonTree(dir, { flwdVersion: "0.1.0" })))

t.test("validateAddonTree() reads an authoring directory and applies the manifest's job list", async (t) => {
  const dir = addonDir(t, manifestYaml(), {
    "hello-world": { "config.yaml": HELLO_CONFIG, "run.sh": helloRun() },
    "internal": { "config.yaml": "command: ./x.sh\n" }
  })
  const r = await validate(dir)
  t.ok(Either.isRight(r))
  if (Either.isRight(r)) {
    t.same(r.right.jobs.map((j) => [j.id, j.summary]), [["hello-world", "Greets someone"]], "only listed jobs, with the manifest's summary")
    t.equal(r.right.manifest.metadata.version, "1.0.0")
  }
  const all = await validate(
    addonDir(t, manifestYaml({ jobs: null }), { a: { "config.yaml": "command: ./a.sh\n" }, b: { "config.yaml": "command: ./b.sh\n" } })
  )
  t.same(Either.isRight(all) ? all.right.jobs.map((j) => j.id) : null, ["a", "b"], "no list: every job")
})

t.test("validateAddonTree() fails with E_ADDON_MANIFEST for a missing manifest or a listed job that is missing", async (t) => {
  const missing = await validate(addonDir(t, null, { "hello-world": { "config.yaml": HELLO_CONFIG } }))
  t.match(Either.isLeft(missing) && missing.left, {
    code: "E_ADDON_MANIFEST",
    detail: /manifest\.yaml is missing/,
    errors: [{ path: "manifest.yaml", message: "is missing" }]
  })
  const unlisted = await validate(
    addonDir(t, manifestYaml({ jobs: "jobs:\n  - { id: hello-world }\n  - { id: gone }" }), { "hello-world": { "config.yaml": HELLO_CONFIG } })
  )
  t.match(Either.isLeft(unlisted) && unlisted.left, { code: "E_ADDON_MANIFEST", errors: [{ path: "jobs.1.id", message: "no job gone under jobs/" }] })
  t.equal(Either.isLeft(unlisted) && unlisted.left.status, 422)
})

t.test("validateAddonTree() never follows a manifest link out of the directory", async (t) => {
  const outside = addonDir(t, manifestYaml())
  const dir = addonDir(t, null, { "hello-world": { "config.yaml": HELLO_CONFIG } })
  // Absolute links resolve against the add-on root, as inside an image: this one points at nothing there.
  symlinkSync(join(outside, "manifest.yaml"), join(dir, "manifest.yaml"))
  const r = await validate(dir)
  t.match(Either.isLeft(r) && r.left, { code: "E_ADDON_MANIFEST", errors: [{ path: "manifest.yaml", message: "is missing" }] })
  const relative = addonDir(t, null, { "hello-world": { "config.yaml": HELLO_CONFIG } })
  symlinkSync("../../../../../../../../etc/hostname", join(relative, "manifest.yaml"))
  const r2 = await validate(relative)
  t.match(Either.isLeft(r2) && r2.left, { code: "E_ADDON_MANIFEST", errors: [{ path: "manifest.yaml", message: "is missing" }] }, "`..` stops at the root")
})

t.test("validateAddonTree() refuses a manifest that is too large or not a file", async (t) => {
  const big = await validate(addonDir(t, "#".repeat(MAX_MANIFEST_BYTES + 1)))
  t.match(Either.isLeft(big) && big.left, { code: "E_ADDON_MANIFEST", errors: [{ message: `is larger than ${MAX_MANIFEST_BYTES} bytes` }] })
  const dir = addonDir(t, null)
  mkdirSync(join(dir, "manifest.yaml"))
  const notFile = await validate(dir)
  t.match(Either.isLeft(notFile) && notFile.left, { code: "E_ADDON_MANIFEST", errors: [{ message: "is not a regular file" }] })
})
