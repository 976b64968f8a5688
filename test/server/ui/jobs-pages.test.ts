import t from "tap"
import { auth, fixtures, jobsRoot, jsonHeaders, serverFor, type T } from "../_helpers.ts"
import { inlineViolations, overSocket, type Requester, type SignedIn, signIn } from "./_ui.ts"

/** The real server over a socket, signed in with `token`. */
async function console_(t: T, token = "all"): Promise<{ request: Requester; session: SignedIn; page: (path: string) => Promise<string> }> {
  const { url } = await serverFor(t, {}, { allowedLocalRoots: [fixtures] })
  const request = overSocket(url)
  const session = await signIn(request, token)
  const page = async (path: string) => {
    const res = await request(path, { headers: { cookie: session.cookie } })
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`)
    return res.text()
  }
  return { request, session, page }
}

/** Posts a form the way a browser does, with the session's CSRF token. */
function post(request: Requester, session: SignedIn, path: string, fields: ReadonlyArray<[string, string]>): Promise<Response> {
  const body = new URLSearchParams([["_csrf", session.csrf], ...fields])
  return request(path, { method: "POST", body, headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" } })
}

/** The markup of one field of the job form: from its wrapper to the next. */
function field(page: string, name: string): string {
  const at = page.indexOf(`<div class="field`, page.lastIndexOf(`<div class="field`, page.indexOf(`id="arg-${name}"`)))
  return page.slice(at, page.indexOf("</div>", at))
}

const jobRows = (page: string) => [...page.matchAll(/<tr data-search="[^"]*"><td><a class="mono" href="([^"]+)">/g)].map((m) => m[1])

t.test("the jobs list searches by id, name and summary on the server", async (t) => {
  const { page } = await console_(t)
  const all = await page("/ui/jobs")
  t.ok(jobRows(all).includes("/ui/jobs/form-kinds") && jobRows(all).includes("/ui/jobs/echo"), "every job")
  t.match(all, new RegExp(`<p id="job-count" class="muted" aria-live="polite">${jobRows(all).length} jobs\\.</p>`))
  t.match(all, /<label for="q">Search<\/label>\s*<input type="search" id="q" name="q" value=""/)
  t.match(
    all,
    /href="\/ui\/jobs\/echo">echo<\/a><\/td><td>echo<\/td><td>Prints a few numbered lines<\/td><td><\/td><td>2<\/td>/,
    "id, name, summary, no source for the default one, argument count"
  )
  t.same(jobRows(await page("/ui/jobs?q=NUMBERED")), ["/ui/jobs/echo"], "by summary, any case")
  t.same(jobRows(await page("/ui/jobs?q=form-k")), ["/ui/jobs/form-kinds"], "by id")
  t.same(jobRows(await page("/ui/jobs?q=every+kind")), ["/ui/jobs/form-kinds"], "every word")
  const none = await page("/ui/jobs?q=%3Cscript%3Enothing")
  t.same(jobRows(none), [])
  t.match(none, /No job matches\./)
  t.match(none, /value="&lt;script&gt;nothing"/, "the query is escaped")
  t.same(inlineViolations(all), [])
})

t.test("the job page renders one control per argument type", async (t) => {
  const { page } = await console_(t)
  const p = await page("/ui/jobs/form-kinds")
  t.match(p, /<h1>Job <span class="mono">form-kinds<\/span><\/h1>/)
  t.match(p, /Takes one argument of every kind/)
  t.match(p, /<th scope="row">Default profile<\/th><td>secure<\/td>/)
  t.match(field(p, "who"), /<label for="arg-who"><span class="mono">who<\/span> <span class="required">\(required\)<\/span><\/label>/)
  t.match(
    field(p, "who"),
    /<input type="text" id="arg-who" name="arg\.who" value="" minlength="2" maxlength="20" pattern="\^\[a-z\]\+\$" required aria-describedby="arg-who-help">/
  )
  t.match(field(p, "who"), /<p id="arg-who-help" class="hint">Who the run is for\./)
  t.match(field(p, "count"), /<input type="number" id="arg-count" name="arg\.count" value="2" step="1" min="1" max="5"/)
  t.notMatch(field(p, "count"), /required/, "a default makes it optional")
  t.match(field(p, "ratio"), /<input type="number" id="arg-ratio" name="arg\.ratio" value="0\.5" step="any"/)
  t.match(field(p, "loud"), /<input type="checkbox" id="arg-loud" name="arg\.loud" value="true">/, "unchecked: the default is false")
  t.match(
    field(p, "color"),
    /<select id="arg-color" name="arg\.color"[^>]*><option value="red">red<\/option><option value="green" selected>green<\/option><option value="blue">blue<\/option><\/select>/
  )
  t.match(field(p, "tags"), /<textarea id="arg-tags" name="arg\.tags" rows="3" data-items="string"[^>]*><\/textarea>/)
  t.match(field(p, "tags"), /A list of text: one item per line\./)
  t.match(field(p, "sizes"), /A list of a whole number: one item per line\.|data-items="integer"/)
  t.match(field(p, "extra"), /<textarea id="arg-extra" name="arg\.extra"[^>]*spellcheck="false"/)
  t.match(field(p, "extra"), /A JSON object\./)
  t.match(field(p, "token"), /<input type="password" autocomplete="off" id="arg-token" name="arg\.token" aria-describedby="arg-token-help">/)
  t.match(field(p, "out"), /<input type="text" id="arg-out" name="arg\.out" value=""/)
  t.match(field(p, "out"), /Format: path\./)
  t.match(p, /<button type="submit" class="secondary" formaction="\/ui\/jobs\/form-kinds\/plan">Preview plan<\/button>/)
  t.match(p, /<button type="submit" formaction="\/ui\/jobs\/form-kinds\/run">Run<\/button>/)
  t.match(p, /<input type="hidden" name="_csrf" value="[^"]+">/)
  t.same(inlineViolations(p), [])
})

t.test("the form prefills from arg.<name> parameters, never a secret", async (t) => {
  const { page } = await console_(t)
  const q = new URLSearchParams([["arg.who", "ada"], ["arg.count", "4"], ["arg.loud", "true"], ["arg.color", "blue"], ["arg.tags", "a"], ["arg.tags", "b c"], [
    "arg.extra",
    '{"k":1}'
  ], ["arg.token", "leaked"]])
  const p = await page(`/ui/jobs/form-kinds?${q}`)
  t.match(field(p, "who"), /value="ada"/)
  t.match(field(p, "count"), /value="4"/)
  t.match(field(p, "loud"), /value="true" checked/)
  t.match(field(p, "color"), /<option value="blue" selected>/)
  t.notMatch(field(p, "color"), /<option value="green" selected>/)
  t.match(field(p, "tags"), />a\nb c<\/textarea>/)
  t.match(field(p, "extra"), />\{&quot;k&quot;:1\}<\/textarea>|>\{"k":1\}<\/textarea>/)
  t.notMatch(p, /leaked/, "a secret in the query is not rendered")
  t.match(field(await page("/ui/jobs/form-kinds?arg.loud=false"), "loud"), /value="true">/, "false unchecks")
})

t.test("Preview plan shows the plan under the form, values kept and secrets cleared", async (t) => {
  const { request, session } = await console_(t)
  const res = await post(request, session, "/ui/jobs/form-kinds/plan", [
    ["arg.who", "ada"],
    ["arg.count", "3"],
    ["arg.loud", "true"],
    ["arg.tags", "x\ny"],
    ["arg.sizes", "1\n2"],
    ["arg.extra", '{"k": 1}'],
    ["arg.token", "s3cret-value"],
    ["profile", ""]
  ])
  t.equal(res.status, 200)
  const p = await res.text()
  t.notMatch(p, /s3cret-value/, "the secret is neither in the form nor in the plan")
  t.match(p, /<h2 id="h-plan">Plan preview<\/h2>/)
  const plan = p.slice(p.indexOf('<h2 id="h-plan">'))
  t.match(plan, /<th scope="row">Profile<\/th><td>secure<\/td>/)
  t.match(plan, /<th scope="row">Executor<\/th><td>process<\/td>/)
  t.match(plan, /<th scope="row">Available<\/th><td>yes<\/td>/)
  t.match(plan, /<h3>Executor details<\/h3>[^]*<th scope="row">containment<\/th>/)
  t.match(plan, /<h3>Provenance<\/h3>[^]*<th scope="row">type<\/th><td>local<\/td>/)
  t.match(plan, /<th scope="row">who<\/th><td>ada<\/td>/)
  t.match(plan, /<th scope="row">token<\/th><td>\*\*\*<\/td>/)
  t.match(plan, /<th scope="row">tags<\/th><td><code>\[&quot;x&quot;,&quot;y&quot;\]<\/code>|<th scope="row">tags<\/th><td><code>\["x","y"\]<\/code>/)
  t.match(plan, /<th scope="row">sizes<\/th><td><code>\[1,2\]<\/code>/)
  t.match(plan, /<th scope="row">loud<\/th><td>true<\/td>/)
  t.match(plan, /<td class="mono">main<\/td><td><code>\.\/run\.sh<\/code><\/td>/)
  t.match(field(p, "who"), /value="ada"/, "the form keeps its values")
  t.match(field(p, "loud"), /checked/)
  t.match(field(p, "tags"), />x\ny<\/textarea>/)
  t.match(field(p, "token"), /<input type="password" autocomplete="off" id="arg-token" name="arg\.token" aria-describedby="arg-token-help">/)
})

t.test("Run starts the run and answers 303 to its page", async (t) => {
  const { request, session } = await console_(t)
  const res = await post(request, session, "/ui/jobs/form-kinds/run", [["arg.who", "ada"], ["arg.tags", "x"], ["arg.token", "s3cret-value"]])
  t.equal(res.status, 303)
  const location = res.headers.get("location") ?? ""
  t.match(location, /^\/ui\/runs\/[^/]+$/)
  const id = decodeURIComponent(location.slice("/ui/runs/".length))
  const run = await request(`/runs/${encodeURIComponent(id)}`, { headers: auth() })
  t.equal(run.status, 200, "the run exists in the API")
  const body = (await run.json()) as { job_id: string; args: Record<string, unknown> }
  t.equal(body.job_id, "form-kinds")
  t.same(body.args, { who: "ada", count: 2, ratio: 0.5, loud: false, color: "green", tags: ["x"], token: "***" })
})

t.test("without runs:write there is no Run button and the action is refused", async (t) => {
  const { request, session, page } = await console_(t, "no-runs-write")
  const p = await page("/ui/jobs/form-kinds")
  t.notMatch(p, /formaction="\/ui\/jobs\/form-kinds\/run"/)
  t.notMatch(p, />Run<\/button>/)
  t.match(p, /Running needs the runs:write scope\./)
  const res = await post(request, session, "/ui/jobs/form-kinds/run", [["arg.who", "ada"]])
  t.equal(res.status, 403)
  t.match(await res.text(), /runs:write/)
  const runs = (await (await request("/runs", { headers: auth() })).json()) as { items: Array<unknown> }
  t.equal(runs.items.length, 0, "no run was started")
  t.equal((await post(request, session, "/ui/jobs/form-kinds/plan", [["arg.who", "ada"]])).status, 200, "the preview needs only jobs:read")
})

t.test("invalid arguments render the form again with 422 and each field's message; a typed secret is not echoed", async (t) => {
  const { request, session } = await console_(t)
  for (const action of ["plan", "run"]) {
    const res = await post(request, session, `/ui/jobs/form-kinds/${action}`, [["arg.who", "Ada!"], ["arg.count", "9"], ["arg.sizes", "1\nx"], [
      "arg.token",
      "s3cret-value"
    ]])
    t.equal(res.status, 422, action)
    const p = await res.text()
    t.notMatch(p, /s3cret-value/, `${action}: the secret is not echoed`)
    t.match(p, /<div class="problem" role="alert">[^]*<code>args\.invalid<\/code>/)
    t.match(field(p, "who"), /aria-describedby="arg-who-help arg-who-error" aria-invalid="true"/)
    t.match(field(p, "who"), /<p id="arg-who-error" class="field-error">must match the pattern \^\[a-z\]\+\$<\/p>/)
    t.match(field(p, "who"), /value="Ada!"/, "the value is kept to be corrected")
    t.match(field(p, "count"), /<p id="arg-count-error" class="field-error">must be at most 5<\/p>/)
    t.match(field(p, "sizes"), /<p id="arg-sizes-error" class="field-error">element at index 1 must be an integer<\/p>/)
    t.notMatch(field(p, "ratio"), /aria-invalid/)
    t.notMatch(p, /Plan preview/)
  }
  const json = await post(request, session, "/ui/jobs/form-kinds/plan", [["arg.who", "ada"], ["arg.extra", "{nope"]])
  t.equal(json.status, 422)
  t.match(field(await json.text(), "extra"), /class="field-error">is not valid JSON \(/)
  const runs = (await (await request("/runs", { headers: auth() })).json()) as { items: Array<unknown> }
  t.equal(runs.items.length, 0, "no run was started")
})

t.test("a weaker profile without policy:override is refused in the form with 403", async (t) => {
  const { request, session } = await console_(t, "no-policy-override")
  const res = await post(request, session, "/ui/jobs/form-kinds/plan", [["arg.who", "ada"], ["profile", "disabled"]])
  t.equal(res.status, 403)
  const p = await res.text()
  t.match(p, /<code>policy\.override\.denied<\/code>/)
  t.match(p, /<option value="disabled" selected>disabled<\/option>/)
})

t.test("job ids with slashes: the page and its actions, the path encoded or not", async (t) => {
  const { request, session, page } = await console_(t)
  const added = await request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ type: "local", name: "more", path: jobsRoot }) })
  t.equal(added.status, 201)
  const list = await page("/ui/jobs?q=more/form")
  t.same(jobRows(list), ["/ui/jobs/more/form-kinds"])
  t.match(list, /<a href="\/ui\/sources\/more">more<\/a>/, "the source of a non-default job")
  for (const path of ["/ui/jobs/more/form-kinds", "/ui/jobs/more%2Fform-kinds"]) {
    const p = await page(path)
    t.match(p, /<h1>Job <span class="mono">more\/form-kinds<\/span><\/h1>/, path)
    t.match(p, /<th scope="row">Provenance|<caption>Provenance<\/caption>/)
  }
  const preview = await post(request, session, "/ui/jobs/more/form-kinds/plan", [["arg.who", "ada"]])
  t.equal(preview.status, 200)
  t.match(await preview.text(), /<span class="mono">more\/form-kinds<\/span>/)
  const run = await post(request, session, "/ui/jobs/more/form-kinds/run", [["arg.who", "ada"]])
  t.equal(run.status, 303)
  t.equal((await request("/ui/jobs/nope", { headers: { cookie: session.cookie } })).status, 404)
  t.equal((await request("/ui/jobs/more%2F..%2Fecho", { headers: { cookie: session.cookie } })).status, 404)
})
