import t from "tap"
import { BlobStoreError, describeOciError, RegistryError, toProblem, UnpackError } from "../../../plugins/oci/mod.ts"
import { isProblem } from "../../../core/mod.ts"
import { ociProblems as problemCodes } from "../../../plugins/oci/mod.ts"

t.test("toProblem() maps every OCI error to E_OCI, with its entry", async (t) => {
  t.match(problemCodes.E_OCI, { status: 502, title: "OCI registry or image failure" })
  const errors = [
    new RegistryError({ reason: "not-found", detail: "manifest 1.0.0: manifest unknown", status: 404, code: "MANIFEST_UNKNOWN", ref: "127.0.0.1:5000/a" }),
    new UnpackError({ reason: "path-escape", detail: 'entry name contains ".."', layer: "sha256:abc", entry: "../x" }),
    new BlobStoreError({ reason: "io", detail: "ENOSPC", digest: "sha256:abc" })
  ]
  for (const e of errors) {
    const p = toProblem(e, "127.0.0.1:5000/a:1")
    t.ok(isProblem(p))
    t.equal(p.code, "E_OCI")
    t.equal(p.status, 502)
    t.equal(p.title, "OCI registry or image failure")
    t.match(p.detail, /^127\.0\.0\.1:5000\/a:1: /)
    t.notMatch(p.detail, /\bat .*\(.*:\d+:\d+\)/, "no stack frames")
    t.equal(p.cause, e)
  }
  t.equal(describeOciError(errors[0]), "127.0.0.1:5000/a: manifest 1.0.0: manifest unknown (HTTP 404, MANIFEST_UNKNOWN, not-found)")
  t.match(describeOciError(errors[1]), /layer sha256:abc, entry "\.\.\/x", path-escape/)
})

t.test("toProblem() keeps a registry's message to one short line", async (t) => {
  const e = new RegistryError({ reason: "server", detail: `boom\n${"x".repeat(1000)}\n    at Object.<anonymous> (file.ts:1:1)`, status: 500 })
  const detail = toProblem(e).detail
  t.notMatch(detail, /\n/)
  t.ok(detail.length < 400)
})

t.test("RegistryError has a message from its fields", async (t) => {
  const e = new RegistryError({ reason: "rate-limited", detail: "slow down", status: 429, code: "TOOMANYREQUESTS", ref: "r" })
  t.equal(e.message, "Rate limited: slow down (r, HTTP 429, TOOMANYREQUESTS)")
  t.equal(new UnpackError({ reason: "limit-exceeded", detail: "too big" }).message, "Limit exceeded: too big")
})
