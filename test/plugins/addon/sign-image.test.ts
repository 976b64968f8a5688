import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { generateKeyPair, packAddon, signImage } from "../../../plugins/addon/mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { verifyCosignKeySignature } from "./_cosign.ts"
import { scaffold } from "./_addon.ts"

async function getJson(url: string, accept = "application/vnd.oci.image.manifest.v1+json"): Promise<any> {
  const res = await fetch(url, { headers: { accept } })
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`)
  return res.json()
}

async function getText(url: string): Promise<string> {
  return (await fetch(url)).text()
}

t.test("generateKeyPair() writes a P-256 PKCS#8 key (0600) and its SPKI public key, never over existing files", async (t) => {
  const dir = tempDir(t)
  const out = join(dir, "release")
  const pair = await generateKeyPair({ out })
  t.equal(pair.privateKeyPath, `${out}.pem`)
  t.equal(statSync(`${out}.pem`).mode & 0o777, 0o600)
  t.match(readFileSync(`${out}.pem`, "utf8"), /^-----BEGIN PRIVATE KEY-----\n/)
  t.match(readFileSync(`${out}.pub`, "utf8"), /^-----BEGIN PUBLIC KEY-----\n/)
  t.match(await rejection(generateKeyPair({ out })), { code: "validation.failed", detail: /exists; pass --force/ })
  t.equal(readFileSync(`${out}.pem`, "utf8"), pair.privateKeyPem, "the refused run changed nothing")
  const forced = await generateKeyPair({ out, force: true })
  t.not(forced.privateKeyPem, pair.privateKeyPem)
  t.equal(statSync(`${out}.pem`).mode & 0o777, 0o600)
})

t.test("signImage() pushes a cosign signature under sha256-<hex>.sig that verifies with the public key", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  const ref = `${registry.host}/example/hello-tools:0.1.0`
  const packed = await packAddon({ checkInterpreters: false, dir, tag: ref, push: true })
  const keys = join(tempDir(t), "key")
  const pair = await generateKeyPair({ out: keys })
  const signed = await signImage({ ref, key: `${keys}.pem` })
  const hex = packed.digest.slice("sha256:".length)
  t.match(signed, {
    digest: packed.digest,
    ref: `${registry.host}/example/hello-tools@${packed.digest}`,
    signatureRef: `${registry.host}/example/hello-tools:sha256-${hex}.sig`,
    added: true
  })

  const manifest = await getJson(`${registry.url}/v2/example/hello-tools/manifests/sha256-${hex}.sig`)
  t.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json")
  t.same(manifest.config, {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    size: 2
  })
  t.equal(await getText(`${registry.url}/v2/example/hello-tools/blobs/${manifest.config.digest}`), "{}")
  t.equal(manifest.layers.length, 1)
  const layer = manifest.layers[0]
  t.equal(layer.mediaType, "application/vnd.dev.cosign.simplesigning.v1+json")
  const payload = await getText(`${registry.url}/v2/example/hello-tools/blobs/${layer.digest}`)
  t.equal(
    payload,
    `{"critical":{"identity":{"docker-reference":"${registry.host}/example/hello-tools"},"image":{"docker-manifest-digest":"${packed.digest}"},"type":"cosign container image signature"},"optional":null}`
  )
  const signature = layer.annotations["dev.cosignproject.cosign/signature"]
  t.ok(verifyCosignKeySignature(payload, signature, pair.publicKeyPem), "verifies with the public key")
  t.notOk(verifyCosignKeySignature(payload.replace('hello-tools"', 'other"'), signature, pair.publicKeyPem), "a changed payload does not")
  const other = await generateKeyPair()
  t.notOk(verifyCosignKeySignature(payload, signature, other.publicKeyPem), "another key does not")
})

t.test("signImage() appends to an existing signature manifest, once per key", async (t) => {
  const registry = await startRegistry(t)
  const dir = await scaffold(t)
  const packed = await packAddon({ checkInterpreters: false, dir, tag: `${registry.host}/example/hello-tools:0.1.0`, push: true })
  const byDigest = `${registry.host}/example/hello-tools@${packed.digest}`
  const first = await generateKeyPair()
  const second = await generateKeyPair()
  await signImage({ ref: byDigest, key: first.privateKeyPem })
  const again = await signImage({ ref: byDigest, key: first.privateKeyPem })
  t.equal(again.added, false, "this key had signed already")
  await signImage({ ref: byDigest, key: second.privateKeyPem })
  const sig = await getJson(`${registry.url}/v2/example/hello-tools/manifests/sha256-${packed.digest.slice(7)}.sig`)
  t.equal(sig.layers.length, 2)
  const payload = await getText(`${registry.url}/v2/example/hello-tools/blobs/${sig.layers[0].digest}`)
  t.ok(verifyCosignKeySignature(payload, sig.layers[0].annotations["dev.cosignproject.cosign/signature"], first.publicKeyPem))
  t.ok(verifyCosignKeySignature(payload, sig.layers[1].annotations["dev.cosignproject.cosign/signature"], second.publicKeyPem))
})

t.test("signImage() of an image that does not exist: E_OCI MANIFEST_UNKNOWN, nothing pushed", async (t) => {
  const registry = await startRegistry(t)
  const { privateKeyPem } = await generateKeyPair()
  const e = await rejection(signImage({ ref: `${registry.host}/example/nothing:1`, key: privateKeyPem, registry: { dockerConfig: false } }))
  t.match(e, { code: "E_OCI", detail: /MANIFEST_UNKNOWN/ })
  t.notOk((await registry.requests()).some((r) => r.method === "PUT" || r.method === "POST"))
})

t.test("signImage() takes only unencrypted ECDSA P-256 keys", async (t) => {
  const dir = tempDir(t)
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  t.match(await rejection(signImage({ ref: "127.0.0.1:1/x:1", key: rsa })), { code: "validation.failed", errors: [{ path: "key", message: /P-256/ }] })
  const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  t.match(await rejection(signImage({ ref: "127.0.0.1:1/x:1", key: p384 })), { code: "validation.failed" })
  const encrypted = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey
    .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString()
  t.match(await rejection(signImage({ ref: "127.0.0.1:1/x:1", key: encrypted })), { code: "validation.failed", errors: [{ message: "is encrypted" }] })
  writeFileSync(join(dir, "garbage.pem"), "not a key")
  t.match(await rejection(signImage({ ref: "127.0.0.1:1/x:1", key: join(dir, "garbage.pem") })), { code: "validation.failed" })
  t.match(await rejection(signImage({ ref: "127.0.0.1:1/x:1", key: join(dir, "missing.pem") })), { code: "validation.failed", errors: [{ path: "key" }] })
})
