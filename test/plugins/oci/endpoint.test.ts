import t from "tap"
import { allowsPlainHttp, backoffMs, isLoopback, nextLink, registryBaseUrl, retryAfterMs } from "../../../plugins/oci/mod.ts"
import { Readable } from "node:stream"

t.test("isLoopback() knows 127.0.0.0/8, ::1 and localhost", async (t) => {
  for (const h of ["127.0.0.1:5000", "127.1.2.3", "localhost", "localhost:5000", "[::1]:5000", "[::1]", "registry.localhost:80"]) t.ok(isLoopback(h), h)
  for (const h of ["128.0.0.1:5000", "[::2]:5000", "docker.io", "localhost.example"]) t.notOk(isLoopback(h), h)
})

t.test("allowsPlainHttp() allows loopback and listed registries only", async (t) => {
  t.ok(allowsPlainHttp("127.0.0.1:5000", []))
  t.notOk(allowsPlainHttp("128.0.0.1:5000", []))
  t.ok(allowsPlainHttp("128.0.0.1:5000", ["128.0.0.1:5000"]))
  t.ok(allowsPlainHttp("128.0.0.1:5000", ["128.0.0.1"]), "a bare host covers its ports")
  t.ok(allowsPlainHttp("128.0.0.1:5000", ["http://128.0.0.1:5000/"]), "a URL-ish entry is normalized")
  t.notOk(allowsPlainHttp("128.0.0.1:5001", ["128.0.0.1:5000"]))
  t.equal(registryBaseUrl("127.0.0.1:5000", []).href, "http://127.0.0.1:5000/")
  t.equal(registryBaseUrl("128.0.0.1:5000", []).href, "https://128.0.0.1:5000/")
  t.equal(registryBaseUrl("docker.io", []).href, "https://registry-1.docker.io/")
})

const res = (headers: Record<string, string>) => ({ status: 429, headers, body: Readable.from([]), url: new URL("http://127.0.0.1/") })

t.test("retryAfterMs() reads seconds and HTTP dates", async (t) => {
  t.equal(retryAfterMs(res({ "retry-after": "3" })), 3000)
  t.equal(retryAfterMs(res({ "retry-after": new Date(10_000).toUTCString() }), 4_000), 6000)
  t.equal(retryAfterMs(res({ "retry-after": new Date(1_000).toUTCString() }), 4_000), 0, "a date in the past means now")
  t.equal(retryAfterMs(res({ "retry-after": "soon" })), undefined)
  t.equal(retryAfterMs(res({})), undefined)
})

t.test("backoffMs() grows exponentially with jitter up to a cap", async (t) => {
  for (let n = 0; n < 10; n++) {
    const ms = backoffMs(n, { baseDelayMs: 100, maxDelayMs: 1000 })
    const ceiling = Math.min(1000, 100 * 2 ** n)
    t.ok(ms >= ceiling / 2 && ms <= ceiling, `retry ${n}: ${ms} within [${ceiling / 2}, ${ceiling}]`)
  }
})

t.test("nextLink() finds rel=next in Link headers", async (t) => {
  t.equal(nextLink(['</v2/x/tags/list?n=2&last=b>; rel="next"']), "/v2/x/tags/list?n=2&last=b")
  t.equal(nextLink(['<https://a/prev>; rel="prev", </v2/next>; rel=next']), "/v2/next")
  t.equal(nextLink(['</v2/x>; rel="prev"']), undefined)
  t.equal(nextLink([]), undefined)
})
