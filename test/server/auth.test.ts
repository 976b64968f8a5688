import t from "tap"
import { makeTokenTable, parseTokens } from "../../server/auth/tokens.ts"
import { allScopes, appFor, auth, fixtures, jsonHeaders } from "./_helpers.ts"

t.test("parseTokens() reads token:scopes;token:*", async (t) => {
  const grants = parseTokens("a:jobs:read,runs:read; b:*")
  t.same(grants, [{ token: "a", scopes: ["jobs:read", "runs:read"] }, { token: "b", scopes: ["*"] }])
  t.same(parseTokens(""), [])
})

t.test("parseTokens() rejects unknown scopes and empty entries without echoing the token", async (t) => {
  for (const bad of ["s3cret:jobs:reed", "s3cret", ":jobs:read"]) {
    const error = (() => {
      try {
        parseTokens(bad)
      } catch (e) {
        return e as { code: string; detail: string }
      }
    })()
    t.equal(error?.code, "config.invalid", bad)
    t.notMatch(error?.detail ?? "", /s3cret/)
  }
})

t.test("makeTokenTable() keeps digests only and answers scopes", async (t) => {
  const table = makeTokenTable(parseTokens("a:jobs:read;a:runs:read;b:*"))
  t.same([...table.verify("a") ?? []].sort(), ["jobs:read", "runs:read"])
  t.equal(table.verify("b")?.size, allScopes.length)
  t.equal(table.verify("c"), null)
  t.notMatch(JSON.stringify(table), /"a"|"b"/)
})

// Every endpoint with the scope it needs, and a body where it takes one.
const endpoints: ReadonlyArray<readonly [string, string, string, unknown?]> = [
  ["GET", "/jobs", "jobs:read"],
  ["GET", "/jobs/echo", "jobs:read"],
  ["POST", "/plans", "jobs:read", { job: "echo" }],
  ["POST", "/runs", "runs:write", { job: "echo" }],
  ["GET", "/runs", "runs:read"],
  ["GET", "/runs/run_x", "runs:read"],
  ["POST", "/runs/run_x:cancel", "runs:write"],
  ["POST", "/runs/run_x/cancel", "runs:write"],
  ["GET", "/runs/run_x/events", "runs:read"],
  ["GET", "/events", "events:read"],
  ["GET", "/sources", "sources:read"],
  ["POST", "/sources", "sources:write", { type: "local", name: "x", path: `${fixtures}extra-jobs` }],
  ["GET", "/sources/x", "sources:read"],
  ["DELETE", "/sources/x", "sources:write"],
  ["POST", "/sources/x:refresh", "sources:write"],
  ["GET", "/metrics", "metrics:read"]
]

t.test("every endpoint: no token 401, wrong token 401, token without the scope 403", async (t) => {
  // Not loopback: /metrics needs its scope too.
  const { app } = await appFor(t, { loopback: false })
  for (const [method, path, scope, body] of endpoints) {
    const init = (headers: Record<string, string>): RequestInit => ({
      method,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const none = await app.request(path, init({}))
    t.equal(none.status, 401, `${method} ${path} without a token`)
    t.equal(none.headers.get("www-authenticate"), 'Bearer realm="flwd"')
    t.match(none.headers.get("content-type"), /^application\/problem\+json/)
    t.equal((await none.json() as { code: string }).code, "auth.required")

    const wrong = await app.request(path, init(auth("not-a-token")))
    t.equal(wrong.status, 401, `${method} ${path} with an unknown token`)
    t.equal(wrong.headers.get("www-authenticate"), 'Bearer realm="flwd"')
    t.equal((await wrong.json() as { code: string }).code, "auth.invalid")

    const basic = await app.request(path, init({ authorization: "Basic YTpi" }))
    t.equal(basic.status, 401, `${method} ${path} with Basic credentials`)

    const lacking = await app.request(path, init(auth(`no-${scope.replace(":", "-")}`)))
    t.equal(lacking.status, 403, `${method} ${path} without ${scope}`)
    const problem = await lacking.json() as { code: string; detail: string }
    t.equal(problem.code, "auth.scope.missing")
    t.match(problem.detail, scope)

    const allowed = await app.request(path, init(auth()))
    t.notOk([401, 403].includes(allowed.status), `${method} ${path} with ${scope} passes auth (${allowed.status})`)
    await allowed.body?.cancel()
  }
})

t.test("/healthz and /openapi.json are open; /metrics is open on a loopback bind", async (t) => {
  const { app } = await appFor(t, { loopback: true })
  t.equal((await app.request("/healthz")).status, 200)
  t.equal((await app.request("/openapi.json")).status, 200)
  t.equal((await app.request("/metrics")).status, 200)
})

t.test("FLWD_TOKENS and --dev's dev-token authenticate", async (t) => {
  const { app } = await appFor(t, { env: { FLWD_TOKENS: "from-env:jobs:read" }, tokens: undefined, dev: true })
  t.equal((await app.request("/jobs", { headers: auth("from-env") })).status, 200)
  t.equal((await app.request("/runs", { headers: auth("from-env") })).status, 403)
  t.equal((await app.request("/runs", { headers: auth("dev-token") })).status, 200)
})

t.test("a weaker profile needs policy:override", async (t) => {
  const { app } = await appFor(t)
  const body = JSON.stringify({ job: "echo", profile: "permissive" })
  const denied = await app.request("/plans", { method: "POST", headers: jsonHeaders("no-policy-override"), body })
  t.equal(denied.status, 403)
  t.equal((await denied.json() as { code: string }).code, "policy.override.denied")
  const allowed = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body })
  t.equal(allowed.status, 200)
  t.equal((await allowed.json() as { profile: string }).profile, "permissive")
})
