import t from "tap"
import * as Either from "effect/Either"
import { parseImageReferenceEither } from "../../../plugins/oci/mod.ts"
import { normaliseRegistry, registryEntryProblem, registryListed } from "../../../plugins/profiles/mod.ts"

t.test("normaliseRegistry() folds case, a trailing dot and Docker Hub's aliases", async (t) => {
  t.equal(normaliseRegistry("REGISTRY.example.com"), "registry.example.com")
  t.equal(normaliseRegistry("registry.example.com."), "registry.example.com")
  t.equal(normaliseRegistry("Registry.Example.:5000"), "registry.example:5000")
  t.equal(normaliseRegistry("index.docker.io"), "docker.io")
  t.equal(normaliseRegistry("registry-1.docker.io"), "docker.io")
  t.equal(normaliseRegistry("127.0.0.1:5000"), "127.0.0.1:5000")
})

t.test("registryListed() matches exactly after normalisation", async (t) => {
  t.ok(registryListed("registry.example.com", ["REGISTRY.EXAMPLE.COM"]), "case")
  t.ok(registryListed("registry.example.com", ["registry.example.com."]), "a trailing dot in the policy")
  t.ok(registryListed("docker.io", ["index.docker.io"]), "Docker Hub under its other name")
  t.ok(registryListed("127.0.0.1:5000", ["127.0.0.1:5000"]))
  t.ok(registryListed("[::1]:5000", ["[::1]:5000"]))
})

t.test("registryListed() refuses bypass attempts", async (t) => {
  const cases: ReadonlyArray<[string, ReadonlyArray<string>, string]> = [
    ["registry.example.com.evil.example", ["registry.example.com"], "a suffix"],
    ["127.0.0.1.evil.example:5000", ["127.0.0.1:5000"], "an IP as a label prefix"],
    ["evil-registry.example.com", ["registry.example.com"], "a prefix"],
    ["registry.example.com:443", ["registry.example.com"], "a port the entry does not name"],
    ["127.0.0.1:5001", ["127.0.0.1:5000"], "another port"],
    ["127.0.0.1", ["127.0.0.1:5000"], "no port where the entry names one"],
    [
      "registry.example.com",
      ["*.io", "registry.*", "https://registry.example.com", "registry.example.com/acme", "user@registry.example.com"],
      "malformed entries never match"
    ],
    ["user@registry.example.com", ["user@registry.example.com"], "userinfo is not a registry"],
    ["docker.io", [], "an empty list admits none"]
  ]
  for (const [registry, allowed, why] of cases) t.notOk(registryListed(registry, allowed), why)
})

t.test("registryEntryProblem() accepts host[:port] and names what is wrong otherwise", async (t) => {
  for (
    const ok of [
      "registry.example.com",
      "registry.example.com.",
      "127.0.0.1:5000",
      "localhost:5000",
      "[::1]:5000",
      "registry-1.docker.io",
      "a.b-c.example:65535"
    ]
  ) {
    t.equal(registryEntryProblem(ok), null, ok)
  }
  const bad: ReadonlyArray<[string, RegExp]> = [
    ["", /not empty/],
    ["https://registry.example.com", /without a scheme/],
    ["registry.example.com/acme", /a path/],
    ["user@registry.example.com", /userinfo/],
    ["user:pass@registry.example.com:443", /userinfo/],
    ["*.registry.example.com", /wildcards/],
    ["registry example", /spaces/],
    ["-registry.example.com", /not a host name/],
    ["registry..example", /not a host name/],
    ["registry.example.com:0", /out of range/],
    ["registry.example.com:70000", /out of range/],
    ["registry.example.com:http", /not a host name/]
  ]
  for (const [entry, message] of bad) t.match(registryEntryProblem(entry), message, JSON.stringify(entry))
})

t.test("userinfo in a reference never parses as the registry", async (t) => {
  for (
    const ref of ["user@127.0.0.1:5000/example/addon:1.0.0", "user:secret@registry.example.com/acme/tools", "registry.example.com@evil.example/acme/tools"]
  ) {
    const parsed = parseImageReferenceEither(ref)
    t.ok(Either.isLeft(parsed), `${ref} is refused`)
  }
  const parsed = parseImageReferenceEither("REGISTRY.example.com/acme/tools:1")
  t.ok(Either.isRight(parsed) && registryListed(parsed.right.registry, ["registry.example.com"]), "an upper-case registry is the same host")
})
