/**
 * The console's runs pages over the real engine: the list with its status
 * and job filters and cursor pages; a finished run's page read without
 * scripts (log lines by stream, markers, exit status, arguments with the
 * secret masked, "Run again" without it); the live log's SSE stream on the
 * session cookie, resumed without duplicates; cancel through the form, and
 * refused without runs:write.
 */
import t from "tap"
import { killSleeping, until } from "../../helpers/processes.ts"
import { appFor, auth, type Frame, jsonHeaders, readSse, serverFor } from "../_helpers.ts"
import { call } from "../../../server/engine-call.ts"
import { inlineViolations, inProcess, overSocket, type Requester, scriptSources, signIn } from "./_ui.ts"

/** A sleep no other test uses, so a leftover is found and killed by its argument. */
const LONG_SLEEP = 593

const start = async (request: Requester, job: string, args: Record<string, unknown> = {}, profile?: string): Promise<string> => {
  const res = await request("/runs", {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ job, args, ...(profile !== undefined ? { profile } : {}) })
  })
  if (res.status !== 202) throw new Error(`POST /runs: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { id: string }).id
}
const statusOf = async (request: Requester, id: string) => ((await (await request(`/runs/${id}`, { headers: auth() })).json()) as { status: string }).status
const page = async (request: Requester, path: string, cookie: string) => {
  const res = await request(path, { headers: { cookie } })
  return { status: res.status, text: await res.text() }
}
/** The run ids a list page links, in order. */
const listed = (text: string) => [...text.matchAll(/<tr><td><a class="mono" href="\/ui\/runs\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]))
const nextLink = (text: string) => /<a href="([^"]+)" rel="next">/.exec(text)?.[1].replaceAll("&amp;", "&")
const unescape = (s: string) => s.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'")
/** The event ids a run page rendered in its log. */
const renderedIds = (text: string) => [...text.matchAll(/<span class="log-line[^"]*" data-id="(\d+)">/g)].map((m) => Number(m[1]))

t.test("the runs list filters by status and job and pages by cursor without duplicates", async (t) => {
  const { app, engine } = await appFor(t)
  const request = inProcess(app)
  const ids: Array<string> = []
  for (let i = 0; i < 29; i++) ids.push(await start(request, "echo", { lines: 1 }))
  const failed = await start(request, "chatty", { lines: 1, code: 3 })
  await call(engine, (e) => e.awaitIdle)
  const { cookie } = await signIn(request)

  const first = await page(request, "/ui/runs", cookie)
  t.equal(first.status, 200)
  t.same(inlineViolations(first.text), [])
  t.equal(listed(first.text).length, 30, "the default page holds them all")
  t.equal(listed(first.text)[0], failed, "newest first")
  t.match(
    first.text,
    /<select id="status" name="status"><option value="">All<\/option><option value="queued">queued<\/option><option value="running">running<\/option><option value="succeeded">succeeded<\/option><option value="failed">failed<\/option><option value="canceled">canceled<\/option><\/select>/
  )
  t.match(first.text, /<label for="job_id">Job<\/label>/)
  t.match(
    first.text,
    new RegExp(`href="/ui/runs/${failed}">${failed}</a></td><td><a href="/ui/jobs/chatty">chatty</a></td><td><span class="badge badge-failed">failed</span>`)
  )
  t.notMatch(first.text, /rel="next"/, "one page: no next link")

  const seen: Array<string> = []
  let next: string | undefined = "/ui/runs?limit=10"
  let pages = 0
  while (next !== undefined) {
    const p = await page(request, next, cookie)
    t.equal(p.status, 200, next)
    seen.push(...listed(p.text))
    next = nextLink(p.text)
    if (next !== undefined) t.match(next, /^\/ui\/runs\?limit=10&cursor=[^&]+$/)
    pages++
  }
  t.equal(pages, 3, "30 runs are three pages of 10")
  t.equal(new Set(seen).size, 30, "no run twice")
  t.same(seen, listed(first.text), "the pages together are the whole list in order")
  const api = (await (await request("/runs?limit=10", { headers: auth() })).json()) as { items: Array<{ id: string }> }
  t.same(seen.slice(0, 10), api.items.map((r) => r.id), "the first page is GET /runs's first page")

  const onlyFailed = await page(request, "/ui/runs?status=failed", cookie)
  t.same(listed(onlyFailed.text), [failed])
  t.match(onlyFailed.text, /<option value="failed" selected>failed<\/option>/)
  const running = await page(request, "/ui/runs?status=running&job_id=", cookie)
  t.same(listed(running.text), [], "an empty job field is any job")
  t.match(running.text, /No runs match these filters/)
  const echo = await page(request, "/ui/runs?job_id=echo&status=", cookie)
  t.equal(listed(echo.text).length, 29)
  t.match(echo.text, /<input id="job_id" name="job_id" value="echo"/)

  const badStatus = await page(request, "/ui/runs?status=lost", cookie)
  t.equal(badStatus.status, 400)
  t.match(badStatus.text, /<code>status<\/code>/)
  t.match(badStatus.text, /validation\.failed/)
  const badLimit = await page(request, "/ui/runs?limit=1001", cookie)
  t.equal(badLimit.status, 400)
  t.match(badLimit.text, /<code>limit<\/code>: must be an integer from 1 to 1000/)
  const badCursor = await page(request, "/ui/runs?cursor=nonsense", cookie)
  t.equal(badCursor.status, 400)
  t.match(badCursor.text, /<code>cursor<\/code>/)

  const none = await request("/ui/runs", { headers: { cookie: (await signIn(request, "no-runs-read")).cookie } })
  t.equal(none.status, 403)
  t.match(await none.text(), /runs:read/)
})

t.test("a finished run's page reads without scripts: lines by stream, markers, exit status, masked secret, Run again", async (t) => {
  const { app, engine } = await appFor(t)
  const request = inProcess(app)
  const id = await start(request, "chatty", { lines: 2, code: 3, tags: ["a b", "c"], options: { depth: 1 }, token: "s3cret-value" }, "permissive")
  await call(engine, (e) => e.awaitIdle)
  const { cookie } = await signIn(request)
  const { status, text } = await page(request, `/ui/runs/${id}`, cookie)
  t.equal(status, 200)
  t.same(inlineViolations(text), [])
  t.same(scriptSources(text), [], "a finished run loads no script")
  t.notMatch(text, /data-live=/)
  t.match(text, /<span id="run-status"><span class="badge badge-failed">failed<\/span><\/span>/)
  t.match(text, /<span id="run-exit">3<\/span>/)
  t.match(text, /<code>run\.exit\.nonzero<\/code>: exited with code 3/)
  t.match(text, /<a href="\/ui\/jobs\/chatty">chatty<\/a>/)
  t.match(text, /<span class="log-line log-stdout" data-id="\d+"><span class="log-stream">out <\/span>out 1<\/span>/)
  t.match(text, /<span class="log-line log-stderr" data-id="\d+"><span class="log-stream">err <\/span>err 2<\/span>/)
  t.match(text, /── step main started/)
  t.match(text, /── policy warn chatty: policy\.override — profile weakened from secure to permissive by request/, "the run's policy decision")
  t.match(text, /<th scope="row">Profile<\/th><td>permissive<\/td>/)
  t.match(text, /── step main failed, exit code 3/)
  t.match(text, /── run failed: run\.exit\.nonzero — exited with code 3/)
  t.match(text, /<tr data-step="main"><th scope="row" class="mono">main<\/th><td class="step-status"><span class="badge badge-failed">failed<\/span>/)
  t.match(text, /<th scope="row">token<\/th><td><code>\*\*\*<\/code>/, "the secret shows as ***")
  t.notMatch(text, /s3cret-value/, "and never as itself")
  t.notMatch(text, /cancel-form/, "a finished run has no Cancel")
  const ids = renderedIds(text)
  t.same(ids, [...ids].sort((a, b) => a - b), "the log is in journal order")
  t.match(text, new RegExp(`data-after="${ids[ids.length - 1]}"`), "the live log would resume after the last event shown")

  const again = /<a href="([^"]+)">Run again<\/a>/.exec(text)?.[1]
  t.ok(again, "a Run again link")
  const url = new URL(unescape(again!), "http://x")
  t.equal(url.pathname, "/ui/jobs/chatty")
  t.same(url.searchParams.getAll("arg.tags"), ["a b", "c"], "an array repeats its parameter")
  t.equal(url.searchParams.get("arg.options"), JSON.stringify({ depth: 1 }), "an object travels as JSON")
  t.equal(url.searchParams.get("arg.lines"), "2")
  t.equal(url.searchParams.get("arg.code"), "3")
  t.equal(url.searchParams.has("arg.token"), false, "the secret is left out")
  const job = await page(request, unescape(again!), cookie)
  t.equal(job.status, 200)
  t.match(job.text, /<textarea id="arg-tags" name="arg\.tags"[^>]*>a b\nc<\/textarea>/, "the job's form opens with the run's values")
  t.match(job.text, /<input type="number" id="arg-code" name="arg\.code" value="3"/)
  t.match(job.text, /<input type="password"[^>]* name="arg\.token"(?![^>]*value=)[^>]*>/, "and the secret to type again")

  const reader = await page(request, `/ui/runs/${id}`, (await signIn(request, "no-runs-write")).cookie)
  t.equal(reader.status, 200)
  t.notMatch(reader.text, /Run again/, "without runs:write, no Run again")
  const missing = await page(request, "/ui/runs/no-such-run", cookie)
  t.equal(missing.status, 404)
  t.match(missing.text, /run\.not\.found/)
})

/** Reads SSE events from `res` until `stop` says so or the stream ends. */
async function collect(res: Response, stop: (ids: Array<number>, type: string) => boolean): Promise<Array<number>> {
  const ids: Array<number> = []
  await readSse(res, (f: Frame) => {
    if (f.id === undefined || f.event === undefined) return false
    // EventSource resends this id as Last-Event-ID: it must be the event's own.
    if (Number(f.id) !== (JSON.parse(f.data!) as { id: number }).id) throw new Error(`SSE id ${f.id} is not its event's id`)
    ids.push(Number(f.id))
    return stop(ids, f.event)
  })
  return ids
}

t.test("the live log's stream takes the session cookie and resumes after the last id without duplicates", async (t) => {
  const { url } = await serverFor(t, { loopback: true })
  const request = overSocket(url)
  const id = await start(request, "chatty", { lines: 8, pause: 0.25 })
  await until("some lines", async () => {
    const res = await request(`/runs/${id}/events?format=ndjson`, { headers: auth() })
    // A running run's stream stays open: read the first lines and stop.
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ""
    while (!/"out 2"/.test(text)) {
      const { done, value } = await reader.read()
      if (done) break
      text += value
    }
    await reader.cancel()
    return /"out 2"/.test(text)
  })
  const { cookie } = await signIn(request)
  const { text } = await page(request, `/ui/runs/${id}`, cookie)
  const live = /data-live="([^"]+)"/.exec(text)?.[1]
  t.equal(live, `/runs/${id}/events`, "a running run's log is live")
  t.match(text, /<script type="module" src="\/ui\/assets\/live-log\.js\?v=[0-9a-f]{12}"><\/script>/)
  t.match(text, /<pre class="log" id="run-log" role="log" aria-labelledby="log-heading" aria-live="polite"/)
  const after = Number(/data-after="(\d+)"/.exec(text)?.[1])
  const shown = renderedIds(text)
  t.ok(shown.length > 0, "the lines so far are rendered")

  // What EventSource does: ?after= first, then Last-Event-ID on reconnect; cookie only.
  const first = await collect(await request(`${live}?after=${after}`, { headers: { cookie, accept: "text/event-stream" } }), (ids) => ids.length >= 2)
  t.ok(first.every((i) => i > after), "only events after the rendered ones")
  const resumed = await request(`${live}?after=${after}`, {
    headers: { cookie, accept: "text/event-stream", "last-event-id": String(first[first.length - 1]) }
  })
  t.equal(resumed.status, 200)
  const rest = await collect(resumed, () => false)
  const all = [...shown, ...first, ...rest]
  t.equal(new Set(all).size, all.length, "no event twice")
  const journal = (await (await request(`/runs/${id}/events?format=ndjson`, { headers: auth() })).text())
    .trim().split("\n").map((l) => JSON.parse(l) as { id: number; type: string })
  // The page leaves out only run.queued, which the log does not show.
  t.same(all, journal.filter((e) => e.type !== "run.queued").map((e) => e.id), "rendered, then streamed, then resumed: the whole journal in order")
  t.same(all.filter((i) => i > after), journal.map((e) => e.id).filter((i) => i > after), "nothing after the page was lost")
  t.equal(journal[journal.length - 1].type, "run.finished")

  const noCookie = await request(`${live}?after=${after}`)
  t.equal(noCookie.status, 401, "the stream needs the session (or a token)")
})

t.test("cancel through the form stops a sleeping run; without runs:write there is no button and the POST is refused", async (t) => {
  t.teardown(() => killSleeping(LONG_SLEEP))
  const { url } = await serverFor(t, { loopback: true })
  const request = overSocket(url)
  const id = await start(request, "sleepy", { seconds: LONG_SLEEP })
  await until("the run to sleep", async () => (await statusOf(request, id)) === "running")

  const reader = await signIn(request, "no-runs-write")
  const readOnly = await page(request, `/ui/runs/${id}`, reader.cookie)
  t.notMatch(readOnly.text, /cancel-form|Cancel run/, "no Cancel without runs:write")
  const refused = await request(`/ui/runs/${id}/cancel`, {
    method: "POST",
    headers: { cookie: reader.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: reader.csrf })
  })
  t.equal(refused.status, 403)
  t.match(await refused.text(), /runs:write[^]*auth\.scope\.missing/)

  const writer = await signIn(request)
  const running = await page(request, `/ui/runs/${id}`, writer.cookie)
  const form = /<form class="inline" method="post" action="([^"]+)" id="cancel-form"><input type="hidden" name="_csrf" value="([^"]+)">/.exec(running.text)
  t.ok(form, "a running run has the Cancel form with its CSRF field")
  t.equal(form![1], `/ui/runs/${id}/cancel`)
  const noCsrf = await request(form![1], { method: "POST", headers: { cookie: writer.cookie, "content-type": "application/x-www-form-urlencoded" }, body: "" })
  t.equal(noCsrf.status, 403)
  t.match(await noCsrf.text(), /auth\.csrf\.invalid/)
  t.equal(await statusOf(request, id), "running", "neither refused POST canceled it")

  const sent = await request(form![1], {
    method: "POST",
    headers: { cookie: writer.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: form![2] })
  })
  t.equal(sent.status, 303)
  t.equal(sent.headers.get("location"), `/ui/runs/${id}`)
  await until("the run to be canceled", async () => (await statusOf(request, id)) === "canceled")
  const after = await page(request, `/ui/runs/${id}`, writer.cookie)
  t.match(after.text, /<span id="run-status"><span class="badge badge-canceled">canceled<\/span>/)
  t.match(after.text, /── run canceled: canceled on request/)
  t.notMatch(after.text, /cancel-form/, "no Cancel once it ended")
})

t.test("a long log is cut to its last 5,000 output lines, with a note and the NDJSON link", async (t) => {
  const { app, engine } = await appFor(t)
  const request = inProcess(app)
  // 2,600 lines on each stream: 5,200 output lines.
  const id = await start(request, "chatty", { lines: 2600 })
  await call(engine, (e) => e.awaitIdle)
  const { text } = await page(request, `/ui/runs/${id}`, (await signIn(request)).cookie)
  const lines = [...text.matchAll(/<span class="log-line log-std(?:out|err)" data-id="\d+"><span class="log-stream">(?:out|err) <\/span>([^<]*)<\/span>/g)].map(
    (m) => m[1]
  )
  t.equal(lines.length, 5000)
  const journal = (await (await request(`/runs/${id}/events?format=ndjson`, { headers: auth() })).text())
    .trim().split("\n").map((l) => JSON.parse(l) as { type: string; data: { line?: string } })
  const output = journal.filter((e) => e.type === "log").map((e) => e.data.line)
  t.equal(output.length, 5200)
  t.same(lines, output.slice(-5000), "the newest lines are kept, in order")
  t.match(text, /The first 200 output lines are left out; the last 5000 follow/)
  t.match(text, new RegExp(`<a href="/runs/${id}/events\\?format=ndjson">NDJSON</a>`))
  t.match(text, /── run finished, exit code 0/, "the markers stay")
})
