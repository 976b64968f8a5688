import t from "tap"
import { createApp } from "../../server/mod.ts"
import { appFor, auth, jsonHeaders, serverFor, testTokens } from "./_helpers.ts"

type Problem = {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance: string
  errors?: Array<{ path: string; message: string }>
}

const problemOf = async (res: Response): Promise<Problem> => {
  if (!/^application\/problem\+json/.test(res.headers.get("content-type") ?? "")) throw new Error(`not a problem: ${res.status}`)
  return await res.json() as Problem
}

t.test("problems carry type, title, status, detail, code and instance", async (t) => {
  const { app } = await appFor(t)
  const res = await app.request("/jobs/nope", { headers: auth() })
  t.equal(res.status, 404)
  const p = await problemOf(res)
  t.match(p, { type: "urn:flwd:problem:job.not.found", title: "Job not found", status: 404, code: "job.not.found", instance: "/jobs/nope" })
  t.type(p.detail, "string")
})

t.test("malformed JSON is 400 request.malformed without echoing the body", async (t) => {
  const { app } = await appFor(t)
  const res = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: '{"job": "echo", "args": {"token": "hunter2"' })
  t.equal(res.status, 400)
  const p = await problemOf(res)
  t.equal(p.code, "request.malformed")
  t.notMatch(JSON.stringify(p), /hunter2/)
})

t.test("a body that is not JSON is 415; a missing body is 400", async (t) => {
  const { app } = await appFor(t)
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
    const res = await app.request("/runs", { method: "POST", headers: { ...auth(), "content-type": type }, body: "job=echo" })
    t.equal(res.status, 415, type)
    t.equal((await problemOf(res)).code, "request.unsupported.media.type")
  }
  const none = await app.request("/plans", { method: "POST", headers: auth() })
  t.equal(none.status, 400)
  t.equal((await problemOf(none)).code, "request.malformed")
  const vendor = await app.request("/plans", {
    method: "POST",
    headers: { ...auth(), "content-type": "application/merge-patch+json; charset=utf-8" },
    body: '{"job":"echo"}'
  })
  t.equal(vendor.status, 200, "any +json type is JSON")
})

t.test("unknown fields and wrong types are 400 with errors[] naming each path", async (t) => {
  const { app } = await appFor(t)
  const res = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo", extra: 1, profile: 7 }) })
  t.equal(res.status, 400)
  const p = await problemOf(res)
  t.equal(p.code, "validation.failed")
  t.same(p.errors?.map((e) => e.path).sort(), ["extra", "profile"])
  const nameless = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ args: {} }) })
  t.same((await problemOf(nameless)).errors?.map((e) => e.path), ["job"])
  const array = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: "[]" })
  t.equal(array.status, 400)
  const args = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo", args: { lines: "many" } }) })
  t.equal(args.status, 422, "argument values are the engine's to judge")
  t.equal((await problemOf(args)).code, "args.invalid")
})

t.test("path traversal in {id} and {name} finds nothing and touches nothing", async (t) => {
  // Without the console, whose `/` redirect is where `/jobs/..` leads.
  const { app } = await appFor(t, { ui: false })
  for (const path of ["/jobs/..%2F..%2Fetc%2Fpasswd", "/jobs/echo%2F..%2F..", "/jobs/a%5C..%5Cb", "/jobs/echo%00"]) {
    const res = await app.request(path, { headers: auth() })
    t.equal(res.status, 404, path)
    t.equal((await problemOf(res)).code, "job.not.found")
  }
  for (const [method, path] of [["GET", "/sources/..%2F..%2Fetc"], ["DELETE", "/sources/..%2F.."], ["POST", "/sources/..%2F..:refresh"]]) {
    const res = await app.request(path, { method, headers: auth() })
    t.equal(res.status, 404, `${method} ${path}`)
    t.equal((await problemOf(res)).code, "source.not.found")
  }
  // Dot segments, plain or percent-encoded, are resolved by URL parsing before routing.
  for (const path of ["/jobs/..", "/jobs/%2e%2e/%2e%2e/etc", "/sources/%2e%2e"]) {
    t.equal((await app.request(path, { headers: auth() })).status, 404, path)
  }
  for (const path of ["/runs/..%2F..%2Fetc", "/runs/..%2F..%2Fetc/events"]) {
    const res = await app.request(path, { headers: auth() })
    t.equal(res.status, 404, path)
    t.equal((await problemOf(res)).code, "run.not.found")
  }
})

t.test("unknown routes are 404 route.not.found, other methods 405 with Allow", async (t) => {
  const { app } = await appFor(t)
  const missing = await app.request("/nope", { headers: auth() })
  t.equal(missing.status, 404)
  t.equal((await problemOf(missing)).code, "route.not.found")
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["DELETE", "/jobs", "GET"],
    ["PUT", "/plans", "POST"],
    ["GET", "/plans", "POST"],
    ["PATCH", "/runs/run_x", "GET"],
    ["POST", "/runs/run_x", "GET"],
    ["PUT", "/sources/x", "GET"]
  ]
  for (const [method, path, allowed] of cases) {
    const res = await app.request(path, { method, headers: jsonHeaders(), ...(method === "GET" ? {} : { body: "{}" }) })
    t.equal(res.status, 405, `${method} ${path}`)
    t.match(res.headers.get("allow"), allowed)
    t.equal((await problemOf(res)).code, "method.not.allowed")
  }
})

t.test("an unexpected throw is 500 internal without message or stack", async (t) => {
  const { engine } = await appFor(t)
  const logged: Array<string> = []
  const broken = { ...engine, run: () => Promise.reject(new Error("boom at /secret/place")) }
  const app = createApp(broken, { env: {}, tokens: testTokens, log: (m) => logged.push(m) })
  const res = await app.request("/jobs", { headers: auth() })
  t.equal(res.status, 500)
  const text = await res.text()
  t.equal(JSON.parse(text).code, "internal")
  t.notMatch(text, /secret|boom|at /)
  t.match(logged.join("\n"), /boom at \/secret\/place/, "the stack goes to the log")
})

t.test("a 10 MB body is refused with 413 over a real socket", async (t) => {
  const { url } = await serverFor(t)
  const big = new Uint8Array(10 * 1024 * 1024).fill(0x20)
  const declared = await fetch(`${url}/plans`, { method: "POST", headers: jsonHeaders(), body: big })
  t.equal(declared.status, 413)
  t.equal((await problemOf(declared)).code, "request.too.large")
  // Chunked, no Content-Length: counted while read, refused at the limit.
  const chunks = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 160; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20))
      controller.close()
    }
  })
  const streamed = await fetch(`${url}/plans`, { method: "POST", headers: jsonHeaders(), body: chunks, duplex: "half" } as RequestInit)
  t.equal(streamed.status, 413)
  t.equal((await problemOf(streamed)).code, "request.too.large")
  const ok = await fetch(`${url}/healthz`)
  t.equal(ok.status, 200, "the server still serves")
})
