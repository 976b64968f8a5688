import t from "tap"
import { parseChallenges, pickChallenge } from "../../../plugins/oci/mod.ts"

t.test("parseChallenges() reads a Bearer challenge", async (t) => {
  t.same(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"'), [{
    scheme: "bearer",
    params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/ubuntu:pull" }
  }])
})

t.test("parseChallenges() reads Basic, token values, escapes and odd spacing", async (t) => {
  t.same(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: "basic", params: { realm: "Registry Realm" } }])
  t.same(parseChallenges("bearer  realm = http://127.0.0.1:1/token , service=svc"), [{
    scheme: "bearer",
    params: { realm: "http://127.0.0.1:1/token", service: "svc" }
  }])
  t.same(parseChallenges('Bearer realm="a\\"b",error="insufficient_scope"')[0].params, { realm: 'a"b', error: "insufficient_scope" })
  t.same(parseChallenges("Negotiate abc123=="), [{ scheme: "negotiate", params: {}, token68: "abc123==" }])
})

t.test("parseChallenges() splits several challenges in one header and across headers", async (t) => {
  const cs = parseChallenges(['Basic realm="b", Bearer realm="https://t/token",service="s"', "Newauth"])
  t.same(cs.map((c) => c.scheme), ["basic", "bearer", "newauth"])
  t.same(cs[1].params, { realm: "https://t/token", service: "s" })
  t.equal(pickChallenge(cs)?.scheme, "bearer", "Bearer is preferred")
  t.equal(pickChallenge(parseChallenges("Newauth x=1")), null)
})

t.test("parseChallenges() survives garbage", async (t) => {
  for (const s of ["", ",,,", '"', "=", 'Bearer realm="unterminated', "Bearer ,,realm=x", "\u0000\u0001"]) {
    t.doesNotThrow(() => parseChallenges(s), JSON.stringify(s))
  }
  t.same(parseChallenges('Bearer realm="unterminated')[0].params, { realm: "unterminated" })
})
