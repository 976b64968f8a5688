/**
 * makeVerifier() against a real docker-registry 2.8 with cosign key-based
 * signatures made independently (test/helpers/cosign.ts). Registry 2.8 has
 * no referrers API, so every failed verification also walks the fallback
 * referrers tag.
 */
import t from "tap"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Either from "effect/Either"
import { toProblem, VerifyError } from "../../../plugins/trust/mod.ts"
import { cosignSign, digestTag, pushSignatures, signBytes, simpleSigningPayload } from "../../helpers/cosign.ts"
import { pushManifest, sha256 } from "../../helpers/oci-image.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { type KeyKind, makeKey, pushTestImage, tempDir, verify } from "./_setup.ts"

const registry = await startRegistry(t)
const release = makeKey("P-256")
const keyPolicy = { trust: { keys: [{ name: "release", pem: release.pem }] } }

function left<A, E>(r: Either.Either<A, E>): E {
  if (Either.isRight(r)) throw new Error(`expected a failure, got ${JSON.stringify(r.right)}`)
  return r.left
}

function right<A, E>(r: Either.Either<A, E>): A {
  if (Either.isLeft(r)) throw new Error(`expected success, got ${String(r.left)}`)
  return r.right
}

t.test("verifyImage() on an unsigned image under each mode", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "unsigned/addon")
  const tag = digestTag(image.digest)

  const required = left(await verify({ policy: keyPolicy }, image, "required"))
  t.equal(required.reason, "no-signature")
  t.equal(required.summary, `no signature found: tried cosign tag ${tag}.sig (not found), referrers API (unsupported), referrers tag ${tag} (not found)`)
  t.same(required.discovery?.map((p) => [p.path, p.tried, p.found, p.matched]), [
    ["cosign-tag", true, 0, false],
    ["referrers-api", true, 0, false],
    ["referrers-tag", true, 0, false]
  ])
  const problem = toProblem(required)
  t.equal(problem.code, "image.signature.required")
  t.equal(problem.status, 422)
  t.match(problem.detail, /no signature found: tried cosign tag/)

  const permissive = right(await verify({ policy: keyPolicy }, image, "permissive"))
  t.equal(permissive.verified, false)
  t.equal(permissive.signer, null)
  t.equal(permissive.reason, required.summary, "permissive reports what required would fail with")

  const before = (await registry.requests()).length
  const disabled = right(await verify({ policy: keyPolicy }, image, "disabled"))
  t.same(disabled, { mode: "disabled", verified: false, signer: null, reason: "verification disabled", discovery: disabled.discovery })
  t.ok(disabled.discovery.every((p) => !p.tried))
  t.equal((await registry.requests()).length, before, "disabled makes no request")
})

t.test("verifyImage() admits a key signature of each key type", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "signed/kinds")
  const dir = tempDir(t)
  for (const kind of ["P-256", "P-384", "Ed25519", "RSA"] as ReadonlyArray<KeyKind>) {
    const key = makeKey(kind)
    writeFileSync(join(dir, `${kind}.pub`), key.pem)
    await cosignSign(registry.url, image.repo, image.digest, key.privateKey)
    const trust = right(
      await verify({
        policy: { trust: { keys: [{ name: "other", pem: release.pem }, { name: kind, path: `${kind}.pub` }] } },
        policyDir: dir
      }, image)
    )
    t.equal(trust.verified, true, kind)
    t.equal(trust.signer, `key:${kind}`, kind)
    t.match(trust.reason, `signed by key:${kind} (cosign tag ${digestTag(image.digest)}.sig)`)
    t.same(trust.discovery.map((p) => [p.path, p.tried, p.matched]), [["cosign-tag", true, true], ["referrers-api", false, false], [
      "referrers-tag",
      false,
      false
    ]])
  }
})

t.test("verifyImage() rejects a signature by an untrusted key", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "signed/untrusted")
  await cosignSign(registry.url, image.repo, image.digest, makeKey("P-256").privateKey)
  const e = left(await verify({ policy: keyPolicy }, image))
  t.equal(e.reason, "untrusted")
  t.match(
    e.summary,
    /^no signature from a trusted key or identity: signature layer 0 is not signed by a trusted key \(checked release\); tried cosign tag .*\(1 signature, none verified\), referrers API \(unsupported\), referrers tag .* \(not found\)$/
  )
  t.same(e.discovery?.[0], { path: "cosign-tag", tried: true, found: 1, matched: false, detail: "1 signature, none verified" })

  const noKeys = left(await verify({ policy: {} }, image))
  t.equal(noKeys.reason, "untrusted")
  t.match(noKeys.detail, /the policy lists no trust.keys/)

  const permissive = right(await verify({ policy: keyPolicy }, image, "permissive"))
  t.equal(permissive.verified, false)
  t.match(permissive.reason, /^no signature from a trusted key or identity/)
})

t.test("verifyImage() rejects a valid signature for a different digest", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "signed/other-digest")
  const other = sha256(Buffer.from("another image"))
  const payload = simpleSigningPayload(`${registry.host}/${image.repo}`, other)
  await pushSignatures(registry.url, image.repo, image.digest, [{ payload, signature: signBytes(payload, release.privateKey) }])
  const e = left(await verify({ policy: keyPolicy }, image))
  t.equal(e.reason, "digest-mismatch")
  t.match(e.detail, `signature layer 0 (key:release): the signature is for ${other}, not ${image.digest}`)
  t.equal(toProblem(e).code, "image.signature.required")
})

t.test("verifyImage() rejects a tampered payload", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "signed/tampered")
  const payload = simpleSigningPayload(`${registry.host}/${image.repo}`, image.digest)
  const signature = signBytes(payload, release.privateKey)
  const tampered = Buffer.from(payload.toString("utf8").replace('"optional":null', '"optional":{"evil":"yes"}'))
  t.not(tampered.toString(), payload.toString())
  await pushSignatures(registry.url, image.repo, image.digest, [{ payload: tampered, signature }])
  const e = left(await verify({ policy: keyPolicy }, image))
  t.equal(e.reason, "untrusted")
  t.match(e.detail, /signature layer 0 is not signed by a trusted key/)
})

t.test("verifyImage() keeps looking past a bad layer and reports the best reason", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "signed/layers")
  const good = simpleSigningPayload(image.repo, image.digest)
  const stranger = makeKey("Ed25519")
  await pushSignatures(registry.url, image.repo, image.digest, [
    { payload: good, signature: signBytes(good, stranger.privateKey) },
    { payload: good, signature: signBytes(good, release.privateKey) }
  ])
  const trust = right(await verify({ policy: keyPolicy }, image))
  t.equal(trust.signer, "key:release")
  t.equal(trust.discovery[0].found, 2)
})

t.test("verifyImage() rejects malformed .sig manifests", async (t) => {
  const payload = (digest: string) => simpleSigningPayload("malformed/x", digest)
  const cases: ReadonlyArray<{ readonly name: string; readonly detail: RegExp; readonly push: (repo: string, digest: string) => Promise<unknown> }> = [
    {
      name: "a layer without the signature annotation",
      detail: /signature layer 0 has no dev.cosignproject.cosign\/signature annotation/,
      push: (repo, digest) => pushSignatures(registry.url, repo, digest, [{ payload: payload(digest) }])
    },
    {
      name: "a signature that is not base64",
      detail: /the signature annotation is not base64/,
      push: (repo, digest) => pushSignatures(registry.url, repo, digest, [{ payload: payload(digest), signature: "not base64!" }])
    },
    {
      name: "a signed payload that is not JSON",
      detail: /the payload is not JSON/,
      push: (repo, digest) => {
        const bytes = Buffer.from("not json")
        return pushSignatures(registry.url, repo, digest, [{ payload: bytes, signature: signBytes(bytes, release.privateKey) }])
      }
    },
    {
      name: "a signed payload without the digest claim",
      detail: /no critical.image.docker-manifest-digest/,
      push: (repo, digest) => {
        const bytes = Buffer.from(JSON.stringify({ critical: { type: "cosign container image signature", image: {} } }))
        return pushSignatures(registry.url, repo, digest, [{ payload: bytes, signature: signBytes(bytes, release.privateKey) }])
      }
    },
    {
      name: "a signed payload of another type",
      detail: /critical.type is "atomic container signature"/,
      push: (repo, digest) => {
        const bytes = simpleSigningPayload(repo, digest, { type: "atomic container signature" })
        return pushSignatures(registry.url, repo, digest, [{ payload: bytes, signature: signBytes(bytes, release.privateKey) }])
      }
    },
    {
      name: "a manifest without simple-signing layers",
      detail: /has no application\/vnd.dev.cosign.simplesigning.v1\+json layer/,
      push: (repo, digest) =>
        pushSignatures(registry.url, repo, digest, [{ payload: payload(digest), mediaType: "application/octet-stream", signature: "AAAA" }])
    },
    {
      name: "an index under the .sig tag",
      detail: /\.sig is an index, not a signature manifest/,
      push: (repo, digest) => {
        const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] }))
        return pushManifest(registry.url, repo, `${digestTag(digest)}.sig`, {
          mediaType: "application/vnd.oci.image.index.v1+json",
          bytes,
          digest: sha256(bytes),
          size: bytes.length
        })
      }
    }
  ]
  for (const [i, c] of cases.entries()) {
    const image = await pushTestImage(registry.url, registry.host, `malformed/case-${i}`)
    await c.push(image.repo, image.digest)
    const e = left(await verify({ policy: keyPolicy }, image))
    t.ok(e instanceof VerifyError, c.name)
    t.equal(e.reason, "malformed", c.name)
    t.match(e.detail, c.detail, c.name)
    t.equal(toProblem(e).code, "image.signature.required", c.name)
  }
})

t.test("verifyImage() refuses what is not a digest without asking the registry", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "signed/not-a-digest")
  const before = (await registry.requests()).length
  const e = left(await verify({ policy: keyPolicy }, { ...image, digest: "latest" }))
  t.equal(e.reason, "malformed")
  t.match(e.detail, "latest is not a sha256 or sha512 digest")
  const permissive = right(await verify({ policy: keyPolicy }, { ...image, digest: "latest" }, "permissive"))
  t.equal(permissive.verified, false)
  t.equal((await registry.requests()).length, before)
})
