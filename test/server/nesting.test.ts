import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t from "tap"
import { auth, jsonHeaders, serverFor, type T } from "./_helpers.ts"
import { rawExchange, rawRequest } from "./_raw-http.ts"

const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth)
const deepObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)

/** A job tree with one job taking an object: any nesting reaches the engine. */
function deepJobTree(t: T): string {
  // Not t.testdir(): that is the engine's data directory.
  const root = mkdtempSync(join(tmpdir(), "flwd-deep-"))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, "deep"))
  writeFileSync(join(root, "deep", "config.yaml"), "command: ./run.sh\nargspec:\n  args:\n    - { name: data, type: object }\n")
  writeFileSync(join(root, "deep", "run.sh"), "#!/bin/sh\nexit 0\n")
  chmodSync(join(root, "deep", "run.sh"), 0o755)
  return root
}

interface Problem {
  status: number
  code: string
  errors?: Array<{ path: string; message: string }>
}

t.test("10,000-deep bodies are 400 validation.failed naming the path; the server stays healthy", async (t) => {
  const { url } = await serverFor(t, {}, { root: deepJobTree(t) })
  const post = (path: string, body: string) => fetch(`${url}${path}`, { method: "POST", headers: jsonHeaders(), body })

  const plan = await post("/plans", `{"job":"deep","args":{"data":{"x":${deepArray(10_000)}}}}`)
  t.equal(plan.status, 400)
  t.match(plan.headers.get("content-type"), /^application\/problem\+json/)
  const planProblem = await plan.json() as Problem
  t.match(planProblem, { code: "validation.failed", errors: [{ message: /nested more than 32 levels/ }] })
  t.match(planProblem.errors![0].path, /^args\.data\.x(\[0\]){29}$/, "the path names the field where the limit is passed")

  const run = await post("/runs", `{"job":"deep","args":{"data":${deepObject(10_000)}}}`)
  t.equal(run.status, 400)
  const runProblem = await run.json() as Problem
  t.match(runProblem, { code: "validation.failed", errors: [{ path: /^args\.data(\.a){30}$/ }] })

  const source = await post("/sources", deepArray(10_000))
  t.equal(source.status, 400, "a deep body of any endpoint")
  t.match(await source.json(), { code: "validation.failed", errors: [{ path: /^(\[0\]){32}$/ }] })

  const runs = await fetch(`${url}/runs`, { headers: auth() })
  t.same((await runs.json() as { items: Array<unknown> }).items, [], "no run was created")
  t.equal((await fetch(`${url}/healthz`)).status, 200)
  const fine = await post("/plans", JSON.stringify({ job: "deep", args: { data: { x: [[1]] } } }))
  t.equal(fine.status, 200, "the server still plans")
})

t.test("nesting up to the bound is left to the schemas", async (t) => {
  const { url } = await serverFor(t, {}, { root: deepJobTree(t) })
  // 32 levels in all: the body, `args`, `data` and 29 arrays.
  const res = await fetch(`${url}/plans`, { method: "POST", headers: jsonHeaders(), body: `{"job":"deep","args":{"data":{"x":${deepArray(29)}}}}` })
  t.equal(res.status, 200, "not refused for its depth")
})

t.test("Node's own 400 and 431 answers are problem documents", async (t) => {
  const { url } = await serverFor(t)
  const huge = await rawRequest(url, { path: "/jobs", host: "localhost", headers: { ...auth(), "x-padding": "a".repeat(1024 * 1024) } })
  t.equal(huge.status, 431)
  t.match(huge.headers["content-type"], /^application\/problem\+json/)
  t.match(JSON.parse(huge.body), { status: 431, code: "request.headers.too.large", title: String })

  const { socket, response } = rawExchange(url, "THIS IS NOT HTTP\r\n\r\n")
  t.teardown(() => socket.destroy())
  const malformed = await response
  t.equal(malformed.status, 400)
  t.match(malformed.headers["content-type"], /^application\/problem\+json/)
  t.match(JSON.parse(malformed.body), { status: 400, code: "request.malformed", title: String })

  const badHost = await rawRequest(url, { path: "/jobs", host: "local host", headers: auth() })
  t.equal(badHost.status, 400, "a Host the adapter cannot build a URL from")
  t.match(badHost.headers["content-type"], /^application\/problem\+json/)
  t.equal((await fetch(`${url}/healthz`)).status, 200)
})
