import t from "tap"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { highestMatchingTag, ociSource, OciSourceSpec } from "../../../../plugins/sources/oci/mod.ts"

const errorsOf = (input: unknown) => {
  const r = Schema.decodeUnknownEither(OciSourceSpec, { errors: "all", onExcessProperty: "error" })(input)
  return Either.isLeft(r) ? ParseResult.ArrayFormatter.formatErrorSync(r.left).map((i) => ({ path: i.path.join("."), message: i.message })) : []
}

const base = { type: "oci", name: "addon", ref: "127.0.0.1:5000/example/addon:1.0.0", trusted: true }

t.test("OciSourceSpec decodes the seed spec and every optional field", async (t) => {
  t.equal(ociSource.type, "oci")
  t.same(errorsOf({ ...base, pull_policy: "on-add" }), [])
  t.same(errorsOf({ ...base, pull_policy: "always", platform: "linux/arm64/v8", semver: ">=1.2 <2" }), [])
  t.same(errorsOf({ ...base, trusted: undefined }), [], "trusted is checked when loading, with its own code")
})

t.test("OciSourceSpec names the failing field", async (t) => {
  t.match(errorsOf({ ...base, ref: "Example/Addon" }), [{ path: "ref", message: "repository name must be lowercase" }])
  t.match(errorsOf({ ...base, ref: "127.0.0.1:5000/x@sha256:abc" }), [{ path: "ref", message: /invalid digest/ }])
  t.match(errorsOf({ ...base, pull_policy: "sometimes" }), [{ path: "pull_policy" }])
  t.match(errorsOf({ ...base, platform: "arm64" }), [{ path: "platform", message: /os\/architecture/ }])
  t.match(errorsOf({ ...base, semver: "one point two" }), [{ path: "semver", message: /not a valid semver range/ }])
  t.match(errorsOf({ ...base, ref: `127.0.0.1:5000/x@sha256:${"a".repeat(64)}`, semver: ">=1" }), [{ path: "semver", message: /digest-pinned/ }])
  t.match(errorsOf({ ...base, tag: "latest" }), [{ path: "tag", message: /unexpected/ }])
})

t.test("highestMatchingTag() picks the highest semver tag in range", async (t) => {
  const tags = ["latest", "1.0.0", "1.2.0", "v1.3.1", "1.10.0", "2.0.0", "1.11.0-rc.1", "1.3.1", "junk"]
  t.equal(highestMatchingTag(tags, ">=1.2 <2"), "1.10.0")
  t.equal(highestMatchingTag(tags, "~1.3"), "1.3.1", "the plain spelling wins over v1.3.1")
  t.equal(highestMatchingTag(["v1.3.1"], "1.3.x"), "v1.3.1")
  t.equal(highestMatchingTag(tags, ">=3"), null)
  t.equal(highestMatchingTag(tags, ">=1.11.0-rc.0 <1.12"), "1.11.0-rc.1", "pre-releases only when the range names one")
})
