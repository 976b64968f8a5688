import t from "tap"
import { Either } from "effect"
import { parseImageReferenceEither } from "../../../plugins/oci/mod.ts"
import { normaliseRegistry, registryEntryProblem, registryListed } from "../../../plugins/profiles/mod.ts"

t.test("normaliseRegistry() folds case, a trailing dot and Docker Hub's aliases", async (t) => {
  t.equal(normaliseRegistry("GHCR.io"), "ghcr.io")
  t.equal(normaliseRegistry("ghcr.io."), "ghcr.io")
  t.equal(normaliseRegistry("Registry.Example.:5000"), "registry.example:5000")
  t.equal(normaliseRegistry("index.docker.io"), "docker.io")
  t.equal(normaliseRegistry("registry-1.docker.io"), "docker.io")
  t.equal(normaliseRegistry("127.0.0.1:5000"), "127.0.0.1:5000")
})

t.test("registryListed() matches exactly after normalisation", async (t) => {
  t.ok(registryListed("ghcr.io", ["GHCR.IO"]), "case")
  t.ok(registryListed("ghcr.io", ["ghcr.io."]), "a trailing dot in the policy")
  t.ok(registryListed("docker.io", ["index.docker.io"]), "Docker Hub under its other name")
  t.ok(registryListed("127.0.0.1:5000", ["127.0.0.1:5000"]))
  t.ok(registryListed("[::1]:5000", ["[::1]:5000"]))
})

t.test("registryListed() refuses bypass attempts", async (t) => {
  const cases: ReadonlyArray<[string, ReadonlyArray<string>, string]> = [
    ["ghcr.io.evil.example", ["ghcr.io"], "a suffix"],
    ["127.0.0.1.evil.example:5000", ["127.0.0.1:5000"], "an IP as a label prefix"],
    ["evil-ghcr.io", ["ghcr.io"], "a prefix"],
    ["ghcr.io:443", ["ghcr.io"], "a port the entry does not name"],
    ["127.0.0.1:5001", ["127.0.0.1:5000"], "another port"],
    ["127.0.0.1", ["127.0.0.1:5000"], "no port where the entry names one"],
    ["ghcr.io", ["*.io", "ghcr.*", "https://ghcr.io", "ghcr.io/acme", "user@ghcr.io"], "malformed entries never match"],
    ["user@ghcr.io", ["user@ghcr.io"], "userinfo is not a registry"],
    ["docker.io", [], "an empty list admits none"]
  ]
  for (const [registry, allowed, why] of cases) t.notOk(registryListed(registry, allowed), why)
})

t.test("registryEntryProblem() accepts host[:port] and names what is wrong otherwise", async (t) => {
  for (const ok of ["ghcr.io", "ghcr.io.", "127.0.0.1:5000", "localhost:5000", "[::1]:5000", "registry-1.docker.io", "a.b-c.example:65535"]) {
    t.equal(registryEntryProblem(ok), null, ok)
  }
  const bad: ReadonlyArray<[string, RegExp]> = [
    ["", /not empty/],
    ["https://ghcr.io", /without a scheme/],
    ["ghcr.io/acme", /a path/],
    ["user@ghcr.io", /userinfo/],
    ["user:pass@ghcr.io:443", /userinfo/],
    ["*.ghcr.io", /wildcards/],
    ["ghcr io", /spaces/],
    ["-ghcr.io", /not a host name/],
    ["ghcr..io", /not a host name/],
    ["ghcr.io:0", /out of range/],
    ["ghcr.io:70000", /out of range/],
    ["ghcr.io:http", /not a host name/]
  ]
  for (const [entry, message] of bad) t.match(registryEntryProblem(entry), message, JSON.stringify(entry))
})

t.test("userinfo in a reference never parses as the registry", async (t) => {
  for (const ref of ["user@127.0.0.1:5000/example/addon:1.0.0", "user:secret@ghcr.io/acme/tools", "ghcr.io@evil.example/acme/tools"]) {
    const parsed = parseImageReferenceEither(ref)
    t.ok(Either.isLeft(parsed), `${ref} is refused`)
  }
  const parsed = parseImageReferenceEither("GHCR.io/acme/tools:1")
  t.ok(Either.isRight(parsed) && registryListed(parsed.right.registry, ["ghcr.io"]), "an upper-case registry is the same host")
})
