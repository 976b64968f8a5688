import t, { type Test } from "tap"
import { appFor, serverFor } from "../_helpers.ts"
import { inlineViolations, inProcess, overSocket, scriptSources, signIn } from "./_ui.ts"

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Every page a session with every scope can open, and the ones a signed-out browser sees.
const pages = ["/ui/", "/ui/sources", "/ui/sources/default", "/ui/jobs", "/ui/jobs/echo", "/ui/runs", "/ui/events", "/ui/events?type=failures"]

function securityHeaders(t: Test, response: Response, what: string): void {
  t.equal(response.headers.get("content-security-policy"), CSP, `${what}: CSP`)
  t.equal(response.headers.get("referrer-policy"), "no-referrer", `${what}: Referrer-Policy`)
  t.equal(response.headers.get("x-frame-options"), "DENY", `${what}: X-Frame-Options`)
  t.equal(response.headers.get("x-content-type-options"), "nosniff", `${what}: nosniff`)
}

t.test("every /ui response carries the security headers, and no page has inline script or style", async (t) => {
  const { url } = await serverFor(t)
  const request = overSocket(url)
  const { cookie } = await signIn(request)
  for (const path of pages) {
    const response = await request(path, { headers: { cookie } })
    t.equal(response.status, 200, path)
    t.equal(response.headers.get("cache-control"), "no-store", `${path}: pages are not cached`)
    t.match(response.headers.get("content-type"), /^text\/html/, path)
    securityHeaders(t, response, path)
    const page = await response.text()
    t.same(inlineViolations(page), [], `${path}: nothing the CSP blocks`)
    t.equal(page.match(/<h1\b/g)?.length, 1, `${path}: one h1`)
    t.match(page, /^<!doctype html>\n<html lang="en">/, path)
    t.match(page, /<main id="main"/, path)
  }
  for (
    const [path, status] of [["/ui/login", 200], ["/ui/", 303], ["/ui/nothing-here", 404], ["/ui/assets/console.css", 200], ["/ui/runs/run_nope", 303]] as const
  ) {
    const response = await request(path)
    t.equal(response.status, status, path)
    securityHeaders(t, response, path)
    if (path === "/ui/login") t.same(inlineViolations(await response.text()), [], "login: nothing the CSP blocks")
  }
  const unknown = await request("/ui/nothing-here", { headers: { cookie } })
  t.equal(unknown.status, 404)
  t.match(await unknown.text(), /<h1>No such route<\/h1>[^]*route\.not\.found/, "an unknown console URL is a page")
  const missing = await request("/ui/runs/run_nope", { headers: { cookie } })
  t.equal(missing.status, 404, "an engine error is a page with the API's status")
  securityHeaders(t, missing, "problem page")
  const text = await missing.text()
  t.match(text, /run\.not\.found/)
  t.same(inlineViolations(text), [])
})

t.test("with ui: false, /ui is 404 and / is not redirected", async (t) => {
  const { app } = await appFor(t, { ui: false })
  for (const path of ["/ui", "/ui/", "/ui/login", "/ui/assets/console.css"]) {
    const response = await app.request(path)
    t.equal(response.status, 404, path)
    t.match(await response.json(), { code: "route.not.found" })
  }
  t.equal((await app.request("/")).status, 404)
  const login = await app.request("/ui/login", { method: "POST", body: new URLSearchParams({ token: "all" }) })
  t.not(login.status, 303, "no sign-in either")
})

t.test("GET / redirects to /ui/, and only / does", async (t) => {
  const { app } = await appFor(t)
  const response = await app.request("/")
  t.equal(response.status, 302)
  t.equal(response.headers.get("location"), "/ui/")
  t.equal((await app.request("/healthz")).status, 200)
})

t.test("assets are served with their content type, an ETag, a year of immutable cache, and versioned URLs", async (t) => {
  const { url } = await serverFor(t)
  const request = overSocket(url)
  const { cookie } = await signIn(request)
  const page = await (await request("/ui/events", { headers: { cookie } })).text()
  const css = /<link rel="stylesheet" href="([^"]+)">/.exec(page)?.[1] ?? ""
  const [js] = scriptSources(page)
  t.match(css, /^\/ui\/assets\/console\.css\?v=[0-9a-f]{12}$/)
  t.match(js, /^\/ui\/assets\/live-events\.js\?v=[0-9a-f]{12}$/)
  for (const [href, type] of [[css, "text/css; charset=utf-8"], [js, "text/javascript; charset=utf-8"]]) {
    const response = await request(href)
    t.equal(response.status, 200, href)
    t.equal(response.headers.get("content-type"), type, href)
    t.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable", href)
    const etag = response.headers.get("etag")
    t.match(etag, /^"[0-9a-f]{32}"$/, href)
    const body = new Uint8Array(await response.arrayBuffer())
    const sha = Buffer.from(await crypto.subtle.digest("SHA-256", body)).toString("hex")
    t.equal(href.slice(-12), sha.slice(0, 12), `${href}: the version is the content's sha256`)
    const again = await request(href, { headers: { "if-none-match": etag! } })
    t.equal(again.status, 304, `${href}: unchanged is 304`)
    await again.arrayBuffer()
  }
  t.equal((await request("/ui/assets/..%2Fmod.ts")).status, 404, "only the asset files")
  t.equal((await request("/ui/assets/nothing.js")).status, 404)
})

t.test("the JavaScript each page loads stays within 50 KB", async (t) => {
  const { app } = await appFor(t)
  const request = inProcess(app)
  const { cookie } = await signIn(request)
  for (const path of [...pages, "/ui/login"]) {
    const page = await (await request(path, { headers: { cookie } })).text()
    let total = 0
    for (const src of scriptSources(page)) {
      t.match(src, /^\/ui\/assets\/[a-z0-9-]+\.js\?v=[0-9a-f]{12}$/, `${path}: scripts come from flwd`)
      total += (await (await request(src)).arrayBuffer()).byteLength
    }
    t.ok(total <= 50 * 1024, `${path}: ${total} bytes of JavaScript`)
  }
})

t.test("the inline-markup scan finds what the CSP would block, and not attribute text that merely looks like it", async (t) => {
  t.same(inlineViolations('<p title="style=x onclick=y">ok</p><script type="module" src="/ui/assets/a.js"></script>'), [])
  t.equal(inlineViolations("<script>alert(1)</script>").length, 1)
  t.equal(inlineViolations('<div style="color:red">x</div>').length, 1)
  t.equal(inlineViolations('<button onclick="go()">x</button>').length, 1)
  t.equal(inlineViolations("<style>p{}</style>").length, 1)
})
