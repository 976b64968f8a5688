/**
 * The console's sources pages over the real server on a loopback socket, a
 * real registry holding an add-on image, and the real engine: the list
 * with status, digest and trust; adding through the form with JavaScript
 * off; a refused add with its problem and fix hint; the add form and its
 * action refused without sources:write; the source page (provenance,
 * trust, diagnostics, jobs); refresh and remove; `fix` in the API's
 * problem+json, and for `E_OCI` only when the registry refused the login.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t from "tap"
import { startRegistry } from "../../helpers/registry.ts"
import { pushAddon } from "../../plugins/sources/oci/_addon.ts"
import { fixtures, jsonHeaders, serverFor, type T } from "../_helpers.ts"
import { inlineViolations, overSocket, type Requester, scriptSources, type SignedIn, signIn } from "./_ui.ts"

/** A registry with the add-on `example/addon:1.0.0` and the server over a policy listing it (signatures checked permissively). */
async function consoleWithAddon(t: T, extraRoots: ReadonlyArray<string> = []) {
  const registry = await startRegistry(t)
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  const { url } = await serverFor(t, {}, {
    policy: { profile: "secure", verify_signatures: "permissive", allowed_registries: [registry.host] },
    allowedLocalRoots: [fixtures, ...extraRoots]
  })
  return { request: overSocket(url), digest, ref: `${registry.host}/example/addon:1.0.0` }
}

/** Posts a console form as a browser without JavaScript does. */
function postForm(request: Requester, session: SignedIn, path: string, fields: Record<string, string>): Promise<Response> {
  return request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: session.csrf, ...fields })
  })
}

const page = async (request: Requester, session: SignedIn, path: string) => {
  const res = await request(path, { headers: { cookie: session.cookie } })
  return { status: res.status, text: await res.text() }
}

const names = async (request: Requester): Promise<Array<string>> =>
  ((await (await request("/sources", { headers: jsonHeaders() })).json()) as { items: Array<{ name: string }> }).items.map((s) => s.name)

t.test("a form add with JavaScript off creates the source and opens its page; the list shows status, digest and trust", async (t) => {
  const { request, digest, ref } = await consoleWithAddon(t)
  const session = await signIn(request)
  const added = await postForm(request, session, "/ui/sources", { type: "oci", name: "addon", ref, pull_policy: "", platform: "", trusted: "true" })
  t.equal(added.status, 303)
  t.equal(added.headers.get("location"), "/ui/sources/addon")

  const list = await page(request, session, "/ui/sources")
  t.equal(list.status, 200)
  t.same(inlineViolations(list.text), [])
  const row = list.text.slice(list.text.indexOf('href="/ui/sources/addon"'))
  t.match(row, /<td>oci<\/td><td><span class="badge badge-ready">ready<\/span><\/td><td>1<\/td>/, "type, status and job count")
  t.match(row, new RegExp(`<code title="${digest}">${digest.slice(0, 19)}</code>`), "the digest short, in full in its title")
  t.match(row, /not verified · mode permissive/, "the trust outcome in words")
  t.match(list.text, /<form id="add-source"[^>]*action="\/ui\/sources"/, "a session with sources:write gets the add form")
  t.match(
    list.text,
    /<input type="checkbox" id="src-trusted" name="trusted" value="true" data-spec="trusted"> <label for="src-trusted">I trust this image/,
    "the trusted box, unticked"
  )
  t.ok(scriptSources(list.text).some((s) => s.startsWith("/ui/assets/add-source.js?v=")), "the add form's script")

  const detail = await page(request, session, "/ui/sources/addon")
  t.equal(detail.status, 200)
  t.same(inlineViolations(detail.text), [])
  t.match(detail.text, /<h1>Source <span class="mono">addon<\/span><\/h1>/)
  t.match(detail.text, /<span class="badge badge-ready">ready<\/span>/)
  t.match(detail.text, new RegExp(`<th scope="row">digest</th><td><code>${digest}</code>`), "the full digest in the provenance")
  t.match(detail.text, new RegExp(`<th scope="row">ref</th><td>${ref.replaceAll(".", "\\.")}</td>`))
  t.match(detail.text, /<th scope="row">pull_policy<\/th><td>on-add<\/td>/)
  t.match(detail.text, /<th scope="row">resolved_at<\/th><td><time datetime="/)
  const trust = detail.text.slice(detail.text.indexOf('id="h-trust"'))
  t.match(trust, /<th scope="row">Mode<\/th><td>permissive<\/td>[^]*<th scope="row">Verified<\/th><td>no<\/td>/)
  t.match(trust, /<li><code>cosign-tag<\/code>: (tried, )?0 signatures found/, "each discovery path with what it found")
  t.match(detail.text, /<a class="mono" href="\/ui\/jobs\/addon\/hello-world">addon\/hello-world<\/a>/, "the source's jobs, linked")
  t.match(detail.text, /action="\/ui\/sources\/addon\/refresh"/)
  t.match(detail.text, /action="\/ui\/sources\/addon\/remove"/)
})

t.test("an add without the trusted box is refused: 422, the problem box with its fix, the typed values kept", async (t) => {
  const { request, ref } = await consoleWithAddon(t)
  const session = await signIn(request)
  const refused = await postForm(request, session, "/ui/sources", { type: "oci", name: "untrusted", ref, pull_policy: "always", platform: "" })
  t.equal(refused.status, 422)
  const text = await refused.text()
  t.same(inlineViolations(text), [])
  const box = text.slice(text.indexOf('<div class="problem" role="alert">'), text.indexOf("</div>", text.indexOf('role="alert"')))
  t.match(box, /<h2 class="problem-title">Source must be trusted explicitly<\/h2>/)
  t.match(box, /<li><code>trusted<\/code>: must be true for an oci source<\/li>/, "the failing field")
  t.match(box, /<strong>How to fix it:<\/strong> Tick “I trust this image”/, "the fix hint")
  t.match(box, /Code <code>source\.trust\.required<\/code>, HTTP 422/)
  t.match(text, /id="src-name" name="name" value="untrusted"/, "the name is kept")
  t.match(text, new RegExp(`id="src-ref" name="ref" value="${ref.replaceAll(".", "\\.")}"`), "the reference is kept")
  t.match(text, /<option value="always" selected>always<\/option>/, "the pull policy is kept")
  t.notMatch(text, /name="trusted" value="true" data-spec="trusted" checked/, "the box stays unticked")

  const elsewhere = await postForm(request, session, "/ui/sources", { type: "oci", name: "elsewhere", ref: "127.0.0.1:1/example/addon:1.0.0", trusted: "true" })
  t.equal(elsewhere.status, 403)
  t.match(await elsewhere.text(), /How to fix it:<\/strong> List the registry in allowed_registries/)
  t.same((await names(request)).filter((n) => n !== "default"), [], "nothing was added")
})

t.test("the API's problem+json carries the fix hint", async (t) => {
  const { request, ref } = await consoleWithAddon(t)
  const res = await request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ type: "oci", name: "addon", ref, trusted: false }) })
  t.equal(res.status, 422)
  t.equal(res.headers.get("content-type"), "application/problem+json")
  const problem = await res.json() as { code: string; fix?: string }
  t.equal(problem.code, "source.trust.required")
  t.match(problem.fix, /^Tick “I trust this image”.*"trusted": true/)
  const unknown = await request("/sources/nope", { headers: jsonHeaders() })
  t.match((await unknown.json() as { fix?: string }).fix, /flwd :sources/, "every code carries its remedy")
})

t.test("a token without sources:write gets no add form, and the add, refresh and remove actions refuse it", async (t) => {
  const { request, ref } = await consoleWithAddon(t)
  const session = await signIn(request, "no-sources-write")
  const list = await page(request, session, "/ui/sources")
  t.equal(list.status, 200)
  t.notMatch(list.text, /id="add-source"/)
  t.notMatch(list.text, /name="trusted"/)
  t.same(scriptSources(list.text).filter((s) => s.includes("add-source")), [])
  const refused = await postForm(request, session, "/ui/sources", { type: "oci", name: "addon", ref, trusted: "true" })
  t.equal(refused.status, 403)
  t.match(await refused.text(), /sources:write/)
  t.same((await names(request)).filter((n) => n !== "default"), [])
  const detail = await page(request, session, "/ui/sources/default")
  t.notMatch(detail.text, /\/refresh"|\/remove"/, "no Refresh or Remove button")
  t.equal((await postForm(request, session, "/ui/sources/default/refresh", {})).status, 403)

  const reader = await signIn(request, "no-sources-read")
  t.equal((await page(request, reader, "/ui/sources")).status, 403, "the list needs sources:read")
})

/** A job tree with one job and one broken definition, for diagnostics. */
function brokenTree(t: T): string {
  const root = mkdtempSync(join(tmpdir(), "flwd-ui-src-"))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, "ok"))
  writeFileSync(join(root, "ok", "config.yaml"), "command: echo ok\n")
  mkdirSync(join(root, "broken"))
  writeFileSync(join(root, "broken", "config.yaml"), "command: [unclosed\n")
  return root
}

t.test("a source page lists its diagnostics; refresh answers 303 back; remove asks first, then removes", async (t) => {
  const root = brokenTree(t)
  const { request } = await consoleWithAddon(t, [root])
  const session = await signIn(request)
  t.equal((await postForm(request, session, "/ui/sources", { type: "local", name: "team", local_path: root })).status, 303)
  const detail = await page(request, session, "/ui/sources/team")
  const diagnostics = detail.text.slice(detail.text.indexOf('id="h-diagnostics"'), detail.text.indexOf('id="h-jobs"'))
  t.match(diagnostics, /<th scope="col">Path<\/th><th scope="col">Severity<\/th>/)
  t.match(
    diagnostics,
    /<tr><td><code>broken[^<]*<\/code><\/td><td><span class="badge badge-error">error<\/span><\/td>/,
    "the broken definition, by path and severity"
  )
  t.match(detail.text, /href="\/ui\/jobs\/team\/ok"/)

  const refreshed = await postForm(request, session, "/ui/sources/team/refresh", {})
  t.equal(refreshed.status, 303)
  t.equal(refreshed.headers.get("location"), "/ui/sources/team")
  const forged = await request("/ui/sources/team/refresh", {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: "_csrf=wrong"
  })
  t.equal(forged.status, 403, "a form without the session's CSRF token is refused")

  const asked = await postForm(request, session, "/ui/sources/team/remove", {})
  t.equal(asked.status, 200, "without the box ticked, a confirmation page")
  const confirm = await asked.text()
  t.same(inlineViolations(confirm), [])
  t.match(confirm, /<h1>Remove source <span class="mono">team<\/span>\?<\/h1>/)
  t.match(confirm, /name="confirm" value="yes" required/)
  t.ok((await names(request)).includes("team"), "nothing was removed yet")

  const removed = await postForm(request, session, "/ui/sources/team/remove", { confirm: "yes" })
  t.equal(removed.status, 303)
  t.equal(removed.headers.get("location"), "/ui/sources")
  t.notOk((await names(request)).includes("team"))
  const gone = await page(request, session, "/ui/sources/team")
  t.equal(gone.status, 404)
  t.match(gone.text, /source\.not\.found/)
})

/** An htpasswd line (docker-registry only takes bcrypt); perl reaches libxcrypt's bcrypt when htpasswd is missing. */
function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync("htpasswd", ["-nbB", user, password], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
  } catch {
    return `${user}:${execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, "$2b$05$abcdefghijklmnopqrstuu"]).toString()}`
  }
}

t.test("a registry refusing the login gets the log-in fix; other registry failures get none", async (t) => {
  // No Docker credentials of this machine may answer the registry's challenge.
  const dockerConfig = mkdtempSync(join(tmpdir(), "flwd-ui-docker-"))
  const before = process.env.DOCKER_CONFIG
  process.env.DOCKER_CONFIG = dockerConfig
  t.teardown(() => {
    if (before === undefined) delete process.env.DOCKER_CONFIG
    else process.env.DOCKER_CONFIG = before
    rmSync(dockerConfig, { recursive: true, force: true })
  })
  const locked = await startRegistry(t, { htpasswd: [htpasswdLine("alice", "s3cret")] })
  const open = await startRegistry(t)
  const { url } = await serverFor(t, {}, { policy: { profile: "secure", verify_signatures: "disabled", allowed_registries: [locked.host, open.host] } })
  const request = overSocket(url)
  const session = await signIn(request)

  const refused = await postForm(request, session, "/ui/sources", { type: "oci", name: "locked", ref: `${locked.host}/team/addon:1.0.0`, trusted: "true" })
  t.equal(refused.status, 502)
  const text = await refused.text()
  t.match(text, /Code <code>E_OCI<\/code>, HTTP 502/)
  t.match(text, /How to fix it:<\/strong> Log in to the registry/)

  const missing = await request("/sources", {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ type: "oci", name: "missing", ref: `${open.host}/team/none:1.0.0`, trusted: true })
  })
  t.equal(missing.status, 502)
  const problem = await missing.json() as { code: string; fix?: string }
  t.equal(problem.code, "E_OCI")
  t.equal(problem.fix, undefined, "a missing image is not a login problem")
})
