/**
 * loadTrustPolicy(): the policy's trust section is checked up front, and
 * each bad field is named (`trust.keys[1].pem`), mapped to `policy.invalid`.
 */
import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { Policy } from "../../../core/mod.ts"
import {
  compileIdentity,
  type KeylessIdentity,
  loadTrustPolicy,
  matchIdentity,
  toProblem,
  type TrustPolicy,
  type VerifyError
} from "../../../plugins/trust/mod.ts"
import { startMockSigstore } from "./_sigstore-mock.ts"
import { makeKey, tempDir } from "./_setup.ts"

const load = (policy: Policy, dir = "/") => Effect.runPromise(Effect.either(loadTrustPolicy(policy, dir)))

function bad(r: Either.Either<TrustPolicy, VerifyError>): VerifyError {
  if (Either.isRight(r)) throw new Error("expected the policy to be refused")
  return r.left
}

t.test("loadTrustPolicy() reads keys inline and from paths relative to the policy", async (t) => {
  const dir = tempDir(t)
  const p384 = makeKey("P-384")
  writeFileSync(join(dir, "release.pub"), p384.pem)
  const r = await load({ trust: { keys: [{ name: "ci", pem: makeKey("Ed25519").pem }, { name: "release", path: "release.pub" }] } }, dir)
  if (Either.isLeft(r)) throw r.left
  t.same(r.right.keys.map((k) => [k.name, k.key.asymmetricKeyType]), [["ci", "ed25519"], ["release", "ec"]])
  t.same(r.right.identities, [])
  t.equal(r.right.trustedRoot, null, "no root configured: the public-good root, later")
})

t.test("loadTrustPolicy() names each bad key", async (t) => {
  const dir = tempDir(t)
  const e = bad(
    await load({
      trust: {
        keys: [
          { name: "good", pem: makeKey().pem },
          { name: "garbage", pem: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n" },
          { name: "missing", path: "keys/missing.pub" },
          { name: "secret", pem: makeKey().privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
          { name: "both", pem: makeKey().pem, path: "x.pub" },
          { name: "small", pem: generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString() },
          { name: "x25519", pem: generateKeyPairSync("x25519").publicKey.export({ type: "spki", format: "pem" }).toString() }
        ]
      }
    }, dir)
  )
  t.equal(e.reason, "policy")
  t.same(e.errors?.map((f) => f.path), [
    "trust.keys[1].pem",
    "trust.keys[2].path",
    "trust.keys[3].pem",
    "trust.keys[4]",
    "trust.keys[5].pem",
    "trust.keys[6].pem"
  ])
  t.match(e.errors?.[0].message, /key garbage is not a PEM public key/)
  t.match(e.errors?.[1].message, `cannot read key missing from ${join(dir, "keys/missing.pub")}`)
  t.match(e.errors?.[2].message, /is a private key; give its public key/)
  t.match(e.errors?.[4].message, /at least 2048 bits/)
  t.match(e.errors?.[5].message, /unsupported key type x25519/)
  const problem = toProblem(e)
  t.equal(problem.code, "policy.invalid")
  t.equal(problem.status, 422)
  t.same(problem.errors, e.errors)
  t.match(problem.detail, /^invalid trust policy: trust.keys\[1\].pem key garbage/)
})

t.test("loadTrustPolicy() checks keyless identities and the trusted root", async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, "root.json"), JSON.stringify({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1" }))
  const e = bad(
    await load({
      trust: {
        keyless: [
          { issuer: "https://issuer.test" },
          { issuer: "https://issuer.test", subject: "a", subject_regexp: "b" },
          { issuer: "https://issuer.test", subject_regexp: "(" },
          { issuer: "", subject: "a" }
        ],
        trusted_root: "root.json"
      }
    }, dir)
  )
  t.same(e.errors?.map((f) => f.path), [
    "trust.keyless[0]",
    "trust.keyless[1]",
    "trust.keyless[2].subject_regexp",
    "trust.keyless[3].issuer",
    "trust.trusted_root"
  ])
  t.match(e.errors?.[4].message, /is not a usable Sigstore trusted root: names no certificate authority/)

  const mock = await startMockSigstore(t)
  writeFileSync(join(dir, "good-root.json"), mock.trustedRoot)
  const r = await load({ trust: { keyless: [{ issuer: "https://issuer.test", subject: "a" }], trusted_root: "good-root.json" } }, dir)
  if (Either.isLeft(r)) throw r.left
  t.match(r.right.trustedRoot, { tlogs: 1, ctlogs: 1 })
})

t.test("matchIdentity() wants the issuer and the subject, a regexp anchored at the start", async (t) => {
  const ids = [
    { issuer: "https://issuer.test", subject: "https://ci.test/acme/release.yml@refs/heads/main" },
    { issuer: "https://other.test", subject_regexp: "^https://ci\\.test/acme/" },
    { issuer: "https://third.test", subject_regexp: "ci\\.test/acme/$" }
  ].map(compileIdentity) as Array<KeylessIdentity>
  const match = (issuer: string, subject: string) => matchIdentity(ids, { issuer, subject })?.label ?? null
  t.equal(
    match("https://issuer.test", "https://ci.test/acme/release.yml@refs/heads/main"),
    "https://ci.test/acme/release.yml@refs/heads/main from https://issuer.test"
  )
  t.equal(match("https://issuer.test", "https://ci.test/acme/release.yml@refs/heads/mainx"), null, "subject is exact")
  t.equal(match("https://other.test", "https://ci.test/acme/x"), "subject ~ ^https://ci\\.test/acme/ from https://other.test")
  t.equal(match("https://other.test", "https://evil.test/https://ci.test/acme/x"), null, "anchored at the start")
  t.equal(match("https://third.test", "https://evil.test/ci.test/acme/"), null, "anchored even without ^")
  t.equal(match("https://third.test", "ci.test/acme/"), "subject ~ ci\\.test/acme/$ from https://third.test")
  t.equal(match("https://issuer.test", "https://ci.test/acme/x"), null, "the issuer must match")
  t.equal(matchIdentity(ids, { issuer: null, subject: "x" }), null)
})
