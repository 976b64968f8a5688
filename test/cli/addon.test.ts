/**
 * `flwd :addon` end to end with the real binary and a real registry: from
 * an empty directory to a signed add-on, and the exit statuses of invalid
 * add-ons (2) and registry failures (1).
 */
import t from "tap"
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { startRegistry } from "../helpers/registry.ts"
import type { Manifest } from "../../plugins/oci/mod.ts"
import { verifyCosignKeySignature } from "../plugins/addon/_cosign.ts"
import { sandbox } from "./_flwd.ts"

t.test("flwd :addon: init, validate, pack --push, validate the image, keygen, sign", async (t) => {
  const registry = await startRegistry(t)
  const s = sandbox(t)
  const dir = join(s.cwd, "hello-tools")
  // --busybox: the image gets the /bin/sh its job's #! line needs (pack checks it).
  const init = await s.flwd([":addon", "init", dir, "--busybox"])
  t.equal(init.code, 0, init.stderr)
  t.match(
    init.stdout,
    /^created add-on hello-tools in .*hello-tools: manifest\.yaml, jobs\/hello-world\/config\.yaml, jobs\/hello-world\/run\.sh, rootfs\/bin\/busybox, rootfs\/bin\/sh\n$/
  )
  const again = await s.flwd([":addon", "init", dir])
  t.equal(again.code, 2)
  t.match(again.stderr, /flwd: validation\.failed: .* is not empty; pass --force/)

  const valid = await s.flwd([":addon", "validate", dir])
  t.equal(valid.code, 0, valid.stderr)
  t.equal(valid.stdout, "valid: hello-tools 0.1.0 (Hello Tools)\njobs: hello-world\n")

  const ref = `${registry.host}/example/hello-tools:0.1.0`
  const packed = await s.flwd([":addon", "pack", dir, "--tag", ref, "--push"])
  t.equal(packed.code, 0, packed.stderr)
  t.match(packed.stdout, /^sha256:[a-f0-9]{64}\n$/)
  const digest = packed.stdout.trim()
  const json = await s.flwd([":addon", "pack", dir, "--tag", ref, "--push", "--json"])
  t.equal(json.code, 0, json.stderr)
  t.match(JSON.parse(json.stdout), {
    digest,
    ref,
    size: Number,
    media_type: "application/vnd.oci.image.manifest.v1+json",
    pushed: true,
    blobs: { uploaded: 0, skipped: 3 }
  })
  t.notMatch(json.stdout, /"[a-z]+[A-Z]\w*":/, "snake_case keys")

  const image = await s.flwd([":addon", "validate", ref, "--json"])
  t.equal(image.code, 0, image.stderr)
  t.match(JSON.parse(image.stdout), { valid: true, kind: "image", digest, addon: { id: "hello-tools" }, jobs: ["hello-world"] })

  const keygen = await s.flwd([":addon", "keygen", "--out", join(s.cwd, "release")])
  t.equal(keygen.code, 0, keygen.stderr)
  t.equal(statSync(join(s.cwd, "release.pem")).mode & 0o777, 0o600)
  t.equal((await s.flwd([":addon", "keygen", "--out", join(s.cwd, "release")])).code, 2, "no overwrite without --force")

  const sign = await s.flwd([":addon", "sign", ref, "--key", join(s.cwd, "release.pem"), "--json"])
  t.equal(sign.code, 0, sign.stderr)
  const signed = JSON.parse(sign.stdout)
  t.match(signed, { digest, signature_ref: `${registry.host}/example/hello-tools:sha256-${digest.slice(7)}.sig`, added: true })
  const sig = await (await fetch(`${registry.url}/v2/example/hello-tools/manifests/sha256-${digest.slice(7)}.sig`, {
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" }
  })).json() as Manifest
  const payload = await (await fetch(`${registry.url}/v2/example/hello-tools/blobs/${sig.layers[0].digest}`)).text()
  t.ok(verifyCosignKeySignature(payload, sig.layers[0].annotations!["dev.cosignproject.cosign/signature"], readFileSync(join(s.cwd, "release.pub"), "utf8")))
})

t.test("flwd :addon pack --oci-layout, then :addon push of the layout", async (t) => {
  const registry = await startRegistry(t)
  const s = sandbox(t)
  const dir = join(s.cwd, "tools")
  await s.flwd([":addon", "init", dir, "--busybox"])
  const layout = join(s.cwd, "layout")
  const packed = await s.flwd([":addon", "pack", dir, "--tag", "example/tools:1.0", "--oci-layout", layout])
  t.equal(packed.code, 0, packed.stderr)
  t.ok(existsSync(join(layout, "index.json")))
  const pushed = await s.flwd([":addon", "push", layout, "--tag", `${registry.host}/example/tools:1.0`])
  t.equal(pushed.code, 0, pushed.stderr)
  t.equal(pushed.stdout, packed.stdout, "the digest pushed is the digest packed")
})

t.test("flwd :addon validate and pack exit 2 for an invalid add-on, with its problem", async (t) => {
  const s = sandbox(t)
  const dir = join(s.cwd, "broken")
  await s.flwd([":addon", "init", dir])
  writeFileSync(
    join(dir, "manifest.yaml"),
    'apiVersion: flwd.addon/v1\nkind: AddOn\nmetadata: { id: broken, name: Broken, version: one }\nrequires: { flwd: ">=0.1.0" }\n'
  )
  const plain = await s.flwd([":addon", "validate", dir])
  t.equal(plain.code, 2)
  t.match(plain.stderr, /^flwd: E_ADDON_MANIFEST: .*invalid add-on manifest manifest\.yaml; metadata\.version: must be a semantic version/)
  t.match(plain.stderr, /\n {2}metadata\.version: must be a semantic version/)
  const json = await s.flwd([":addon", "validate", dir, "--json"])
  t.equal(json.code, 2)
  t.match(JSON.parse(json.stderr), { type: "urn:flwd:problem:E_ADDON_MANIFEST", status: 422, code: "E_ADDON_MANIFEST", errors: [{ path: "metadata.version" }] })
  const pack = await s.flwd([":addon", "pack", dir, "--tag", "127.0.0.1:5000/x/y:1", "--json"])
  t.equal(pack.code, 2)
  t.equal(pack.stdout, "")
  t.match(JSON.parse(pack.stderr), { code: "E_ADDON_MANIFEST" })
})

t.test("flwd :addon usage errors and registry failures", async (t) => {
  const registry = await startRegistry(t)
  const s = sandbox(t)
  const dir = join(s.cwd, "tools")
  await s.flwd([":addon", "init", dir])
  t.match(await s.flwd([":addon", "pack", dir]), { code: 2, stderr: /:addon pack needs --tag/ })
  t.match(await s.flwd([":addon", "pakc", dir]), { code: 2, stderr: /unknown subcommand :addon pakc \(did you mean "pack"\?\)/ })
  t.match(await s.flwd([":addon"]), { code: 2, stderr: /:addon needs a subcommand/ })
  t.match(await s.flwd([":addon", "pack", dir, "--tag", "x:1", "--frob"]), { code: 2, stderr: /unknown flag --frob/ })
  await s.flwd([":addon", "keygen", "--out", join(s.cwd, "k")])
  const missing = await s.flwd([":addon", "sign", `${registry.host}/example/none:1`, "--key", join(s.cwd, "k.pem")])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^flwd: E_OCI: .*example\/none:1.*MANIFEST_UNKNOWN/)
  const help = await s.flwd([":addon", "pack", "--help"])
  t.equal(help.code, 0)
  t.match(help.stdout, /--oci-layout <dir>/)
})
