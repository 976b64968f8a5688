/**
 * verifyCosignSignature() against signatures made with node:crypto the
 * way cosign makes them (test/helpers/cosign.ts), for every key type.
 */
import t from "tap"
import { sign } from "node:crypto"
import { decodeBase64, verifyCosignSignature } from "../../../plugins/trust/mod.ts"
import { signBytes, simpleSigningPayload } from "../../helpers/cosign.ts"
import { type KeyKind, makeKey } from "./_setup.ts"

const payload = simpleSigningPayload("127.0.0.1:5000/example/addon", `sha256:${"a".repeat(64)}`)

t.test("verifyCosignSignature() accepts P-256, P-384, Ed25519 and RSA signatures", async (t) => {
  for (const kind of ["P-256", "P-384", "Ed25519", "RSA"] as ReadonlyArray<KeyKind>) {
    const key = makeKey(kind)
    const signature = signBytes(payload, key.privateKey)
    t.ok(verifyCosignSignature(payload, signature, key.publicKey), `${kind} verifies`)
    t.notOk(verifyCosignSignature(payload, signature, makeKey(kind).publicKey), `${kind}: another key does not`)
    const tampered = Buffer.from(payload)
    tampered[tampered.length - 2] ^= 1
    t.notOk(verifyCosignSignature(tampered, signature, key.publicKey), `${kind}: a changed payload does not`)
  }
})

t.test("verifyCosignSignature() takes a PEM public key too", async (t) => {
  const key = makeKey("Ed25519")
  const signature = signBytes(payload, key.privateKey)
  t.ok(verifyCosignSignature(payload, signature, key.pem))
  t.notOk(verifyCosignSignature(payload, signature, "not a pem"))
})

t.test("verifyCosignSignature() accepts P-384 signatures over SHA-384 too", async (t) => {
  const key = makeKey("P-384")
  t.ok(verifyCosignSignature(payload, sign("sha384", payload, key.privateKey).toString("base64"), key.publicKey))
})

t.test("verifyCosignSignature() rejects what is not a cosign signature", async (t) => {
  const key = makeKey("P-256")
  const der = sign("sha256", payload, key.privateKey)
  t.notOk(verifyCosignSignature(payload, "", key.publicKey), "empty")
  t.notOk(verifyCosignSignature(payload, "not base64!", key.publicKey), "not base64")
  t.notOk(verifyCosignSignature(payload, der.toString("base64url"), key.publicKey), "base64url is not base64")
  t.notOk(
    verifyCosignSignature(payload, sign("sha256", payload, { key: key.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64"), key.publicKey),
    "P1363 encoding"
  )
  t.notOk(verifyCosignSignature(payload, der.toString("base64"), key.privateKey), "a private key is not a verification key")
  t.notOk(verifyCosignSignature(payload, der.toString("base64"), makeKey("Ed25519").publicKey), "a key of another type")
})

t.test("decodeBase64() is strict", async (t) => {
  t.same(decodeBase64("aGk="), Buffer.from("hi"))
  t.equal(decodeBase64("aGk"), null, "missing padding")
  t.equal(decodeBase64("a-_="), null, "base64url alphabet")
  t.equal(decodeBase64(""), null)
})
