import t from "tap"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { ValidationError } from "../../../core/mod.ts"
import { imageReference, parseImageReference, parseImageReferenceEither, withDigest } from "../../../plugins/oci/mod.ts"
import type { Digest } from "../../../plugins/oci/mod.ts"

const D = `sha256:${"a".repeat(64)}`

const valid: ReadonlyArray<[string, { registry: string; repository: string; tag: string | null; digest: string | null; normalized: string }]> = [
  ["ubuntu", { registry: "docker.io", repository: "library/ubuntu", tag: "latest", digest: null, normalized: "docker.io/library/ubuntu:latest" }],
  ["ubuntu:22.04", { registry: "docker.io", repository: "library/ubuntu", tag: "22.04", digest: null, normalized: "docker.io/library/ubuntu:22.04" }],
  ["acme/tool", { registry: "docker.io", repository: "acme/tool", tag: "latest", digest: null, normalized: "docker.io/acme/tool:latest" }],
  ["docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu", tag: "latest", digest: null, normalized: "docker.io/library/ubuntu:latest" }],
  ["index.docker.io/library/ubuntu:1", {
    registry: "docker.io",
    repository: "library/ubuntu",
    tag: "1",
    digest: null,
    normalized: "docker.io/library/ubuntu:1"
  }],
  ["index.docker.io/ubuntu", {
    registry: "docker.io",
    repository: "library/ubuntu",
    tag: "latest",
    digest: null,
    normalized: "docker.io/library/ubuntu:latest"
  }],
  [`ubuntu@${D}`, { registry: "docker.io", repository: "library/ubuntu", tag: null, digest: D, normalized: `docker.io/library/ubuntu@${D}` }],
  [`ubuntu:22.04@${D}`, { registry: "docker.io", repository: "library/ubuntu", tag: "22.04", digest: D, normalized: `docker.io/library/ubuntu:22.04@${D}` }],
  ["127.0.0.1:5000/example/addon:1.0.0", {
    registry: "127.0.0.1:5000",
    repository: "example/addon",
    tag: "1.0.0",
    digest: null,
    normalized: "127.0.0.1:5000/example/addon:1.0.0"
  }],
  ["127.0.0.1:5000/addon", { registry: "127.0.0.1:5000", repository: "addon", tag: "latest", digest: null, normalized: "127.0.0.1:5000/addon:latest" }],
  ["localhost/addon", { registry: "localhost", repository: "addon", tag: "latest", digest: null, normalized: "localhost/addon:latest" }],
  ["localhost:5000/a/b/c:v1", { registry: "localhost:5000", repository: "a/b/c", tag: "v1", digest: null, normalized: "localhost:5000/a/b/c:v1" }],
  ["[::1]:5000/addon:2", { registry: "[::1]:5000", repository: "addon", tag: "2", digest: null, normalized: "[::1]:5000/addon:2" }],
  ["[::1]/addon", { registry: "[::1]", repository: "addon", tag: "latest", digest: null, normalized: "[::1]/addon:latest" }],
  ["registry.example:443/a_b/c__d/e-f/g.h", {
    registry: "registry.example:443",
    repository: "a_b/c__d/e-f/g.h",
    tag: "latest",
    digest: null,
    normalized: "registry.example:443/a_b/c__d/e-f/g.h:latest"
  }],
  ["localhost:5000", { registry: "docker.io", repository: "library/localhost", tag: "5000", digest: null, normalized: "docker.io/library/localhost:5000" }],
  [`x:${"t".repeat(128)}`, {
    registry: "docker.io",
    repository: "library/x",
    tag: "t".repeat(128),
    digest: null,
    normalized: `docker.io/library/x:${"t".repeat(128)}`
  }]
]

t.test("parseImageReference() normalizes the Docker grammar", async (t) => {
  for (const [input, expected] of valid) t.same(parseImageReference(input), expected, input)
})

const invalid: ReadonlyArray<[string, string, RegExp]> = [
  ["", "empty", /empty/],
  ["Ubuntu", "uppercase", /lowercase/],
  ["acme/Tool", "uppercase path", /lowercase/],
  ["127.0.0.1:5000/Example/addon", "uppercase after a registry", /lowercase/],
  ["ubuntu@sha256:abc", "short digest", /invalid digest/],
  [`ubuntu@sha256:${"A".repeat(64)}`, "uppercase digest", /invalid digest/],
  [`ubuntu@md5:${"a".repeat(32)}`, "unknown algorithm", /invalid digest/],
  [`ubuntu@${D}@${D}`, "two digests", /invalid digest/],
  ["ubuntu:", "empty tag", /invalid tag/],
  ["ubuntu:-x", "tag starting with a dash", /invalid tag/],
  [`ubuntu:${"t".repeat(129)}`, "tag too long", /longer than 128/],
  [`${"a".repeat(256)}`, "name too long", /longer than 255/],
  ["x".repeat(2000), "input too long", /longer than 1024/],
  ["a//b", "empty path component", /invalid repository path/],
  ["a/b/", "trailing slash", /invalid repository path/],
  ["-a/b", "component starting with a dash", /invalid repository path/],
  ["a/b..c", "double dot in a path", /invalid repository path/],
  ["a..b/c", "double dot in a host", /invalid registry host/],
  ["127.0.0.1:0/a", "port zero", /port/],
  ["127.0.0.1:99999/a", "port out of range", /port/],
  ["127.0.0.1:x/a", "port not a number", /port/],
  ["[::g]:5000/a", "bad IPv6", /IPv6/],
  ["[::1]:5000", "registry without repository", /repository/],
  ["host_name.example/a", "underscore in a host", /invalid registry host/],
  ["a b", "space", /whitespace/],
  ["a\0b", "NUL", /whitespace or control/],
  ["a".repeat(64).replace(/a/g, "f"), "a bare image id", /image id/],
  ["ubuntu:tag/x", "tag with a slash (read as a port)", /port/]
]

t.test("parseImageReference() rejects invalid references with a validation problem", async (t) => {
  for (const [input, label, reason] of invalid) {
    const result = parseImageReferenceEither(input)
    t.ok(Either.isLeft(result), `${label} is rejected`)
    if (Either.isLeft(result)) {
      const e = result.left
      t.type(e, ValidationError, label)
      t.equal(e.code, "validation.failed", label)
      t.equal(e.errors?.[0]?.path, "ref", label)
      t.match(e.errors?.[0]?.message, reason, label)
    }
  }
})

t.test("parseImageReference() rejects uppercase", async (t) => {
  t.throws(() => parseImageReference("Library/Ubuntu:1"), { code: "validation.failed" })
})

t.test("parseImageReference() names the field path it is given", async (t) => {
  const r = parseImageReferenceEither("UPPER", "sources[0].ref")
  t.equal(Either.isLeft(r) && r.left.errors?.[0]?.path, "sources[0].ref")
})

t.test("imageReference() is the Effect version", async (t) => {
  const ok = await Effect.runPromise(imageReference("127.0.0.1:5000/a:1"))
  t.equal(ok.repository, "a")
  const bad = await Effect.runPromiseExit(imageReference("A"))
  t.ok(Exit.isFailure(bad))
})

t.test("withDigest() pins a reference and keeps the tag", async (t) => {
  const pinned = withDigest(parseImageReference("127.0.0.1:5000/a:1"), D as Digest)
  t.equal(pinned.normalized, `127.0.0.1:5000/a:1@${D}`)
})
