/**
 * Keyless verification: bundles made by the real `sigstore` signer against
 * `@sigstore/mock` Fulcio, Rekor and TSA on loopback, attached to images in
 * a real docker-registry 2.8 through the referrers tag schema (2.8 has no
 * referrers API), verified against a trusted root generated for the test.
 */
import t from "tap"
import type { KeyObject } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Either from "effect/Either"
import type { Policy } from "../../../core/mod.ts"
import { type ImageTrust, toProblem, type VerifyError } from "../../../plugins/trust/mod.ts"
import { attachBundle, cosignSign, pushSignatures, signBytes } from "../../helpers/cosign.ts"
import { sha256 } from "../../helpers/oci-image.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { dsseBundle, messageBundle, startMockSigstore } from "./_sigstore-mock.ts"
import { forbiddenRootLoader, loopbackOnly, makeKey, type PushedImage, pushTestImage, tempDir, verify, type VerifyOptions } from "./_setup.ts"

const registry = await startRegistry(t)
const mock = await startMockSigstore(t)
const ISSUER = "https://issuer.test"
const SUBJECT = "https://ci.test/acme/addons/.ci/release.yml@refs/tags/v1"
const identity = { iss: ISSUER, sub: SUBJECT }
const dir = tempDir(t)
writeFileSync(join(dir, "trusted_root.json"), mock.trustedRoot)

const policy = (keyless: ReadonlyArray<{ issuer: string; subject?: string; subject_regexp?: string }> = [{ issuer: ISSUER, subject: SUBJECT }]): Policy => ({
  trust: { keyless, trusted_root: "trusted_root.json" }
})

const check = (image: PushedImage, o: Partial<VerifyOptions> & { policy?: Policy } = {}) =>
  verify({ policyDir: dir, rootLoader: forbiddenRootLoader([]), ...o, policy: o.policy ?? policy() }, image)

function ok(r: Either.Either<ImageTrust, VerifyError>): ImageTrust {
  if (Either.isLeft(r)) throw new Error(`expected success, got ${r.left.message}`)
  return r.right
}

function failed(r: Either.Either<ImageTrust, VerifyError>): VerifyError {
  if (Either.isRight(r)) throw new Error(`expected failure, got ${JSON.stringify(r.right)}`)
  return r.left
}

async function signedImage(repo: string, bundle: (image: PushedImage) => Promise<string>): Promise<PushedImage> {
  const image = await pushTestImage(registry.url, registry.host, repo)
  await attachBundle(registry.url, repo, image.manifest, await bundle(image))
  return image
}

t.test("verifyImage() admits a keyless DSSE bundle found through the referrers tag", async (t) => {
  const image = await signedImage("keyless/dsse", (i) => dsseBundle(mock, `${registry.host}/${i.repo}`, i.digest, { identity }))
  const trust = ok(await check(image))
  t.equal(trust.verified, true)
  t.equal(trust.signer, `${SUBJECT} (${ISSUER})`)
  t.same(trust.discovery.map((p) => [p.path, p.tried, p.found, p.matched, p.detail]), [
    ["cosign-tag", true, 0, false, "not found"],
    ["referrers-api", true, 0, false, "unsupported"],
    ["referrers-tag", true, 1, true, "verified"]
  ])
})

t.test("verifyImage() admits a message-signature bundle over the manifest, with a TSA timestamp", async (t) => {
  const image = await signedImage("keyless/message", (i) => messageBundle(mock, i.manifest.bytes, { identity, tsa: true }))
  const trust = ok(await check(image, { policy: policy([{ issuer: ISSUER, subject_regexp: "https://ci\\.test/acme/" }]) }))
  t.equal(trust.signer, `${SUBJECT} (${ISSUER})`)
})

t.test("verifyImage() rejects a bundle whose certificate identity does not match", async (t) => {
  const image = await signedImage(
    "keyless/mallory",
    (i) => dsseBundle(mock, i.repo, i.digest, { identity: { iss: ISSUER, sub: "https://ci.test/mallory/release.yml" } })
  )
  const e = failed(await check(image))
  t.equal(e.reason, "untrusted")
  t.match(e.detail, "is signed by https://ci.test/mallory/release.yml (issuer https://issuer.test), which matches no trust.keyless entry")
  t.equal(toProblem(e).code, "image.signature.required")

  const otherIssuer = failed(await check(image, { policy: policy([{ issuer: "https://other.test", subject_regexp: ".*" }]) }))
  t.equal(otherIssuer.reason, "untrusted", "the issuer must match too")

  const unanchored = failed(await check(image, { policy: policy([{ issuer: ISSUER, subject_regexp: "release.yml" }]) }))
  t.equal(unanchored.reason, "untrusted", "subject_regexp is anchored at the start of the subject")

  const keysOnly = failed(await check(image, { policy: { trust: { keys: [{ name: "k", pem: makeKey().pem }] } } }))
  t.equal(keysOnly.reason, "untrusted")
  t.match(keysOnly.detail, /the policy lists no trust.keyless identities/)
})

t.test("verifyImage() rejects a keyless bundle for another digest", async (t) => {
  const image = await signedImage("keyless/other", (i) => dsseBundle(mock, i.repo, sha256(Buffer.from("other")), { identity }))
  const e = failed(await check(image))
  t.equal(e.reason, "digest-mismatch")
  t.match(e.detail, `not ${image.digest}`)
})

t.test("verifyImage() rejects an expired certificate without a valid timestamp", async (t) => {
  const hourAgo = new Date(Date.now() - 60 * 60 * 1000)
  const stale = await startMockSigstore(t, { ca: hourAgo })
  const staleDir = tempDir(t)
  writeFileSync(join(staleDir, "trusted_root.json"), stale.trustedRoot)
  const cases = [
    { name: "no timestamp at all", o: { identity, tlog: false }, detail: /expected 1 timestamps, got 0/ },
    { name: "a log entry made after the certificate expired", o: { identity }, detail: /certificate is not valid or expired at the specified date/ },
    {
      name: "a TSA timestamp made after the certificate expired",
      o: { identity, tlog: false, tsa: true },
      detail: /certificate is not valid or expired at the specified date/
    }
  ]
  for (const [i, c] of cases.entries()) {
    const image = await signedImage(`keyless/expired-${i}`, (img) => dsseBundle(stale, img.repo, img.digest, c.o))
    const e = failed(await check(image, { policyDir: staleDir }))
    t.equal(e.reason, "invalid-proof", c.name)
    t.match(e.detail, c.detail, c.name)
  }
})

t.test("verifyImage() reads a malformed bundle as malformed", async (t) => {
  const image = await signedImage("keyless/garbage", async () => JSON.stringify({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }))
  const e = failed(await check(image))
  t.equal(e.reason, "malformed")
  t.match(e.detail, /is not a Sigstore bundle/)
})

t.test("verifyImage() verifies cosign's legacy keyless .sig layout", async (t) => {
  const image = await pushTestImage(registry.url, registry.host, "keyless/legacy")
  const payload = Buffer.from(JSON.stringify({
    critical: { identity: { "docker-reference": image.repo }, image: { "docker-manifest-digest": image.digest }, type: "cosign container image signature" },
    optional: null
  }))
  const bundle = JSON.parse(await messageBundle(mock, payload, { identity })) as {
    verificationMaterial: {
      x509CertificateChain: { certificates: Array<{ rawBytes: string }> }
      tlogEntries: Array<
        { logIndex: string; logId: { keyId: string }; integratedTime: string; inclusionPromise: { signedEntryTimestamp: string }; canonicalizedBody: string }
      >
    }
    messageSignature: { signature: string }
  }
  const der = bundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes
  const pem = `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`
  const entry = bundle.verificationMaterial.tlogEntries[0]
  await pushSignatures(registry.url, image.repo, image.digest, [{
    payload,
    signature: bundle.messageSignature.signature,
    annotations: {
      "dev.sigstore.cosign/certificate": pem,
      "dev.sigstore.cosign/bundle": JSON.stringify({
        SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
        Payload: {
          body: entry.canonicalizedBody,
          integratedTime: Number(entry.integratedTime),
          logIndex: Number(entry.logIndex),
          logID: Buffer.from(entry.logId.keyId, "base64").toString("hex")
        }
      })
    }
  }])
  const trust = ok(await check(image))
  t.equal(trust.signer, `${SUBJECT} (${ISSUER})`)
  t.equal(trust.discovery[0].matched, true)
})

t.test("verifyImage() makes no network call beyond the registry with a configured trusted_root", async (t) => {
  const image = await signedImage("keyless/offline", (i) => dsseBundle(mock, i.repo, i.digest, { identity }))
  await cosignSign(registry.url, image.repo, image.digest, makeKey().privateKey)
  const { dispatcher, origins } = loopbackOnly(t)
  const loads: Array<string> = []
  const trust = ok(await check(image, { registryOptions: { dispatcher, dockerConfig: false }, rootLoader: forbiddenRootLoader(loads) }))
  t.equal(trust.verified, true)
  t.same(loads, [], "the public-good root was not fetched")
  t.ok(origins.length >= 4, `the registry was asked (${origins.length} requests)`)
  t.same([...new Set(origins)], [registry.url], "every request went to the registry")
})

t.test("verifyImage() fetches the public-good root lazily, once, when no trusted_root is configured", async (t) => {
  const image = await signedImage("keyless/tuf", (i) => dsseBundle(mock, i.repo, i.digest, { identity }))
  const dataDir = tempDir(t)
  const loads: Array<string> = []
  const rootLoader = async ({ cachePath }: { readonly cachePath: string }) => {
    loads.push(cachePath)
    return JSON.parse(mock.trustedRoot)
  }
  const keyless = { trust: { keyless: [{ issuer: ISSUER, subject: SUBJECT }] } }
  const trust = ok(await verify({ policy: keyless, dataDir, rootLoader }, image))
  t.equal(trust.verified, true)
  t.same(loads, [join(dataDir, "tuf")])

  const unsigned = await pushTestImage(registry.url, registry.host, "keyless/tuf-unsigned")
  t.equal(failed(await verify({ policy: keyless, dataDir, rootLoader }, unsigned)).reason, "no-signature")
  t.equal(loads.length, 1, "no bundle to verify, no root fetched")

  const offline = failed(await verify({ policy: keyless, dataDir, rootLoader: forbiddenRootLoader([]) }, image))
  t.equal(offline.reason, "unavailable")
  t.match(offline.detail, /cannot load the Sigstore public-good trusted root with TUF .*configure trust.trusted_root/)
})

/** A DSSE bundle signed with a key (no certificate, no log entry), built by hand per the bundle spec. */
function keyBundle(repo: string, digest: string, privateKey: KeyObject): string {
  const payloadType = "application/vnd.in-toto+json"
  const body = Buffer.from(JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: repo, digest: { sha256: digest.split(":")[1] } }],
    predicateType: "https://sigstore.dev/cosign/sign/v1",
    predicate: {}
  }))
  // DSSE v1 pre-authentication encoding.
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${body.length} `), body])
  return JSON.stringify({
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { publicKey: { hint: "release" }, tlogEntries: [] },
    dsseEnvelope: { payload: body.toString("base64"), payloadType, signatures: [{ sig: signBytes(pae, privateKey), keyid: "" }] }
  })
}

t.test("verifyImage() admits a bundle signed with a trusted key", async (t) => {
  const key = makeKey("P-256")
  const image = await signedImage("keyed/bundle", async (i) => keyBundle(i.repo, i.digest, key.privateKey))
  const keys = (pem: string) => ({ trust: { keys: [{ name: "release", pem }] } })
  const loads: Array<string> = []
  const trust = ok(await check(image, { policy: keys(key.pem), rootLoader: forbiddenRootLoader(loads) }))
  t.equal(trust.signer, "key:release")
  t.same(loads, [], "a key-signed bundle without log entries needs no root")
  const e = failed(await check(image, { policy: keys(makeKey("P-256").pem) }))
  t.equal(e.reason, "untrusted")
  t.match(e.detail, /is not signed by a trusted key \(checked release\)/)
})
