import t from "tap"
import { makeSessionStore } from "../../../server/ui/session.ts"
import { appFor, auth } from "../_helpers.ts"
import { inProcess, postLogin, signIn } from "./_ui.ts"

t.test("POST /ui/login sets the session cookie with exactly HttpOnly, SameSite=Strict, Path=/ on loopback", async (t) => {
  const { app } = await appFor(t)
  const response = await postLogin(inProcess(app), "all", "/ui/runs?status=failed")
  t.equal(response.status, 303)
  t.equal(response.headers.get("location"), "/ui/runs?status=failed")
  const parts = (response.headers.get("set-cookie") ?? "").split(";").map((s) => s.trim())
  t.match(parts[0], /^flwd_session=[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url")
  t.same(parts.slice(1).sort(), ["HttpOnly", "Path=/", "SameSite=Strict"])
})

t.test("POST /ui/login adds Secure off loopback", async (t) => {
  const { app } = await appFor(t, { loopback: false })
  const response = await postLogin(inProcess(app), "all")
  const parts = (response.headers.get("set-cookie") ?? "").split(";").map((s) => s.trim())
  t.same(parts.slice(1).sort(), ["HttpOnly", "Path=/", "SameSite=Strict", "Secure"])
})

t.test("POST /ui/login sends only console paths as next", async (t) => {
  const { app } = await appFor(t)
  for (const next of ["https://evil.example/", "//evil.example/ui/", "/ui//evil.example", "/\\evil.example", "/metrics", "/uix"]) {
    const response = await postLogin(inProcess(app), "all", next)
    t.equal(response.headers.get("location"), "/ui/", next)
  }
})

t.test("POST /ui/login with a bad token is 401, sets no cookie and never echoes the token", async (t) => {
  const { app } = await appFor(t)
  const response = await postLogin(inProcess(app), "s3cret-guess")
  t.equal(response.status, 401)
  t.equal(response.headers.get("set-cookie"), null)
  const page = await response.text()
  t.match(page, /Invalid token/)
  t.match(page, /<input id="token" name="token" type="password"/)
  t.notMatch(page, /s3cret-guess/)
})

t.test("a cross-site sign-in form is refused", async (t) => {
  const { app } = await appFor(t)
  const response = await app.request("/ui/login", {
    method: "POST",
    body: new URLSearchParams({ token: "all" }),
    headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" }
  })
  t.equal(response.status, 403)
  t.equal(response.headers.get("set-cookie"), null)
})

t.test("pages without a session redirect to sign-in, coming back afterwards", async (t) => {
  const { app } = await appFor(t)
  for (const path of ["/ui/", "/ui", "/ui/sources", "/ui/jobs", "/ui/runs", "/ui/events?type=run"]) {
    const response = await app.request(path)
    t.equal(response.status, 303, path)
    const location = response.headers.get("location") ?? ""
    t.match(location, /^\/ui\/login\?next=/, path)
    t.match(decodeURIComponent(location.slice("/ui/login?next=".length)), path === "/ui" ? /^\/ui\/?$/ : path)
  }
  const unknown = await app.request("/ui/", { headers: { cookie: "flwd_session=not-a-session" } })
  t.equal(unknown.status, 303, "an unknown session id is no session")
})

t.test("a session lacking a scope gets the 403 page naming it, and the API route refuses it too", async (t) => {
  const { app } = await appFor(t)
  const request = inProcess(app)
  const { cookie } = await signIn(request, "no-runs-read")
  const page = await app.request("/ui/runs", { headers: { cookie } })
  t.equal(page.status, 403)
  const text = await page.text()
  t.match(text, /runs:read/)
  t.match(text, /<h1>Not allowed<\/h1>/)
  const api = await app.request("/runs", { headers: { cookie } })
  t.equal(api.status, 403)
  t.match(await api.json(), { code: "auth.scope.missing", errors: [{ path: "scope", message: "requires runs:read" }] })
  // The navigation leaves out what the session cannot open.
  const overview = await (await app.request("/ui/", { headers: { cookie } })).text()
  t.notMatch(overview, /href="\/ui\/runs"/)
  t.match(overview, /href="\/ui\/jobs"/)
})

t.test("the cookie authenticates API reads; unsafe API requests need the session's x-csrf-token", async (t) => {
  const { app } = await appFor(t)
  const { cookie, csrf } = await signIn(inProcess(app))
  t.equal((await app.request("/jobs", { headers: { cookie } })).status, 200)
  const post = (headers: Record<string, string>) =>
    app.request("/runs", { method: "POST", body: JSON.stringify({ job: "echo" }), headers: { cookie, "content-type": "application/json", ...headers } })
  for (const headers of [{}, { "x-csrf-token": "wrong" }, { "x-csrf-token": `${csrf}x` }] as ReadonlyArray<Record<string, string>>) {
    const refused = await post(headers)
    t.equal(refused.status, 403)
    t.match(await refused.json(), { code: "auth.csrf.invalid", errors: [{ path: "x-csrf-token" }] })
  }
  const accepted = await post({ "x-csrf-token": csrf })
  t.equal(accepted.status, 202)
  t.match(await accepted.json(), { job_id: "echo" })
})

t.test("the bearer header wins over the cookie and needs no CSRF token", async (t) => {
  const { app } = await appFor(t)
  const { cookie } = await signIn(inProcess(app), "no-runs-write")
  const response = await app.request("/runs", {
    method: "POST",
    body: JSON.stringify({ job: "echo" }),
    headers: { ...auth("all"), cookie, "content-type": "application/json" }
  })
  t.equal(response.status, 202)
  const asCookie = await app.request("/runs", { headers: { cookie, authorization: "Bearer nope" } })
  t.equal(asCookie.status, 401, "a bad bearer header is not rescued by the cookie")
})

t.test("form actions without the session's _csrf are refused; sign-out with it ends the session", async (t) => {
  const { app } = await appFor(t)
  const { cookie, csrf } = await signIn(inProcess(app))
  const form = (fields: Record<string, string>) => ({
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" }
  })
  for (const fields of [{}, { _csrf: "wrong" }] as ReadonlyArray<Record<string, string>>) {
    const refused = await app.request("/ui/logout", form(fields))
    t.equal(refused.status, 403)
    t.match(await refused.text(), /auth\.csrf\.invalid/)
    t.equal((await app.request("/ui/", { headers: { cookie } })).status, 200, "still signed in")
  }
  const out = await app.request("/ui/logout", form({ _csrf: csrf }))
  t.equal(out.status, 303)
  t.equal(out.headers.get("location"), "/ui/login")
  t.match(out.headers.get("set-cookie") ?? "", /^flwd_session=; Max-Age=0/)
  t.equal((await app.request("/ui/", { headers: { cookie } })).status, 303, "the old cookie opens nothing")
  t.equal((await app.request("/jobs", { headers: { cookie } })).status, 401)
})

t.test("makeSessionStore() evicts the oldest session past its bound and forgets sessions after 12 hours", async (t) => {
  let now = 0
  const store = makeSessionStore({ max: 3, now: () => now })
  const [a, b, c, d] = [0, 1, 2, 3].map(() => store.create(new Set(["jobs:read"])))
  t.equal(store.size(), 3)
  t.equal(store.get(a.id), undefined, "the oldest went first")
  for (const s of [b, c, d]) t.equal(store.get(s.id), s)
  t.not(b.csrf, b.id)
  t.match(b.csrf, /^[A-Za-z0-9_-]{43}$/)
  now = 12 * 60 * 60 * 1000 - 1
  t.equal(store.get(b.id), b, "alive until 12 h")
  now += 1
  t.equal(store.get(b.id), undefined, "gone at 12 h, whatever the activity")
})

t.test("the OpenAPI document names the session cookie beside the bearer scheme, with the same scopes", async (t) => {
  const { app } = await appFor(t)
  const doc = await (await app.request("/openapi.json")).json() as {
    paths: Record<string, Record<string, { security?: ReadonlyArray<Record<string, ReadonlyArray<string>>> }>>
    components: { securitySchemes: Record<string, Record<string, string>> }
  }
  t.match(doc.components.securitySchemes.session, { type: "apiKey", in: "cookie", name: "flwd_session" })
  t.same(doc.paths["/runs"].post.security, [{ bearer: ["runs:write"] }, { session: ["runs:write"] }])
})
