/**
 * `parseImageReference` held against the distribution reference grammar
 * where it is strictest: an IPv6 literal is `"[" [a-fA-F0-9:]+ "]"` (no
 * embedded IPv4, no zone), and the name as written — registry and path,
 * before `docker.io/library/` is added — is at most 255 characters. And it
 * is importable from the package root, as add-on authors and plugins do.
 */
import t from "tap"
import * as Either from "effect/Either"
import { parseImageReference, parseImageReferenceEither } from "../../../mod.ts"

t.test("IPv6 literals: hex and colons in brackets, any case", async (t) => {
  for (const ref of ["[::1]:5000/a", "[FE80::1]:5000/a", "[1:2:3:4:5:6:7:8]/a", "[2001:db8::1]/team/tool:1"]) {
    t.ok(Either.isRight(parseImageReferenceEither(ref)), `${ref} is accepted`)
  }
  t.equal(parseImageReference("[::1]:5000/a:1").registry, "[::1]:5000")
  for (const ref of ["[::ffff:1.2.3.4]:5000/a", "[fe80::1%eth0]:5000/a", "[]:5000/a", "[::1/a"]) {
    const r = parseImageReferenceEither(ref)
    t.ok(Either.isLeft(r), `${ref} is refused`)
    if (Either.isLeft(r)) t.match(r.left.errors?.[0], { path: "ref", message: /IPv6|repository|port/ })
  }
})

t.test("the name is at most 255 characters, registry included, as written", async (t) => {
  const host = "registry.example:5000/"
  t.ok(Either.isRight(parseImageReferenceEither(`${host}${"a".repeat(255 - host.length)}:1`)), "255 with its registry")
  const long = parseImageReferenceEither(`${host}${"a".repeat(256 - host.length)}:1`)
  t.ok(Either.isLeft(long), "256 is refused")
  if (Either.isLeft(long)) t.match(long.left.errors?.[0]?.message, /name .*longer than 255 characters/)
  // docker.io/library/ is the normalization's, not the user's: it does not count.
  t.ok(Either.isRight(parseImageReferenceEither("a".repeat(250))), "a Docker Hub short name of 250")
})
