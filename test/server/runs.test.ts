import t from "tap"
import { appFor, auth, jsonHeaders, sseEvents, terminalTypes } from "./_helpers.ts"

type Run = { id: string; status: string; job_id: string; args: Record<string, unknown> }

t.test("POST /runs is 202 with Location; following it over SSE ends at the terminal event", async (t) => {
  const { app } = await appFor(t)
  const res = await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job_id: "echo", args: { lines: 2 } }) })
  t.equal(res.status, 202)
  const run = await res.json() as Run
  t.equal(res.headers.get("location"), `/runs/${run.id}`)
  t.equal(run.job_id, "echo")
  const stream = await app.request(`${res.headers.get("location")}/events`, { headers: auth() })
  t.equal(stream.status, 200)
  t.match(stream.headers.get("content-type"), /^text\/event-stream/)
  const events = await sseEvents(stream)
  t.same(events.map((e) => e.type), ["run.queued", "run.started", "step.started", "log", "log", "step.finished", "run.finished"])
  t.ok(events.every((e) => e.run_id === run.id))
  t.same(events.filter((e) => e.type === "log").map((e) => e.data.line), ["line 1 for world", "line 2 for world"])
  const shown = await app.request(`/runs/${run.id}`, { headers: auth() })
  t.equal((await shown.json() as Run).status, "succeeded")
})

t.test("?format=ndjson streams one event per line", async (t) => {
  const { app } = await appFor(t)
  const run = await (await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo" }) })).json() as Run
  const res = await app.request(`/runs/${run.id}/events?format=ndjson`, { headers: auth() })
  t.match(res.headers.get("content-type"), /^application\/x-ndjson/)
  const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string })
  t.ok(terminalTypes.includes(lines[lines.length - 1].type))
  t.equal(lines[0].type, "run.queued")
})

t.test("Idempotency-Key: same body replays the run, another body conflicts", async (t) => {
  const { app } = await appFor(t)
  const post = (key: string, body: unknown) =>
    app.request("/runs", { method: "POST", headers: { ...jsonHeaders(), "idempotency-key": key }, body: JSON.stringify(body) })
  const first = await post("key-1", { job: "echo", args: { name: "Ann", lines: 1 } })
  t.equal(first.status, 202)
  t.equal(first.headers.get("idempotent-replay"), null)
  const run = await first.json() as Run
  // Same request, keys in another order: a replay.
  const again = await post("key-1", { args: { lines: 1, name: "Ann" }, job: "echo" })
  t.equal(again.status, 202)
  t.equal(again.headers.get("idempotent-replay"), "true")
  t.equal((await again.json() as Run).id, run.id)
  t.equal(again.headers.get("location"), `/runs/${run.id}`)
  const other = await post("key-1", { job: "echo", args: { name: "Bob" } })
  t.equal(other.status, 409)
  t.equal((await other.json() as { code: string }).code, "idempotency.conflict")
  const fresh = await post("key-2", { job: "echo", args: { name: "Ann", lines: 1 } })
  t.not((await fresh.json() as Run).id, run.id, "another key, another run")
  const concurrent = await Promise.all(Array.from({ length: 5 }, () => post("key-3", { job: "echo" })))
  const ids = new Set(await Promise.all(concurrent.map(async (r) => (await r.json() as Run).id)))
  t.equal(ids.size, 1, "concurrent requests with one key start one run")
  const bad = await post("", { job: "echo" })
  t.equal(bad.status, 400)
  const all = await (await app.request("/runs?limit=500", { headers: auth() })).json() as { items: Array<Run> }
  t.equal(all.items.length, 3)
  for (const r of all.items) await (await app.request(`/runs/${r.id}/events`, { headers: auth() })).text()
})

t.test("GET /runs filters and pages with a cursor", async (t) => {
  const { app } = await appFor(t)
  const started: Array<string> = []
  for (let i = 0; i < 5; i++) {
    const job = i % 2 === 0 ? "echo" : "sleepy"
    const body = job === "echo" ? { job, args: { lines: 0 } } : { job, args: { seconds: 0 } }
    const run = await (await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) })).json() as Run
    started.push(run.id)
    await (await app.request(`/runs/${run.id}/events`, { headers: auth() })).text()
  }
  const seen: Array<string> = []
  let cursor: string | null = null
  let pages = 0
  do {
    const q: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
    const res = await app.request(`/runs?limit=2${q}`, { headers: auth() })
    t.equal(res.status, 200)
    const page = await res.json() as { items: Array<Run>; next_cursor: string | null }
    t.ok(page.items.length <= 2)
    seen.push(...page.items.map((r) => r.id))
    cursor = page.next_cursor
    pages++
  } while (cursor !== null && pages < 10)
  t.equal(pages, 3)
  t.same(seen, [...started].reverse(), "newest first, each run once")
  const echo = await (await app.request("/runs?job_id=echo", { headers: auth() })).json() as { items: Array<Run> }
  t.equal(echo.items.length, 3)
  t.ok(echo.items.every((r) => r.job_id === "echo"))
  const done = await (await app.request("/runs?status=succeeded&limit=500", { headers: auth() })).json() as { items: Array<Run> }
  t.equal(done.items.length, 5)
  for (const query of ["status=done", "limit=0", "limit=501", "limit=abc", "cursor=not-a-cursor"]) {
    const res = await app.request(`/runs?${query}`, { headers: auth() })
    t.equal(res.status, 400, query)
  }
})

t.test("cancel: POST /runs/{id}:cancel and /runs/{id}/cancel", async (t) => {
  const { app } = await appFor(t)
  for (const form of [":cancel", "/cancel"]) {
    const run = await (await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "sleepy" }) })).json() as Run
    const res = await app.request(`/runs/${run.id}${form}`, { method: "POST", headers: auth() })
    t.equal(res.status, 200, form)
    const events = await sseEvents(await app.request(`/runs/${run.id}/events`, { headers: auth() }))
    t.equal(events[events.length - 1].type, "run.canceled", form)
    const again = await app.request(`/runs/${run.id}${form}`, { method: "POST", headers: auth() })
    t.equal(again.status, 409)
    t.equal((await again.json() as { code: string }).code, "run.not.cancelable")
  }
  const missing = await app.request("/runs/run_nope:cancel", { method: "POST", headers: auth() })
  t.equal(missing.status, 404)
})

t.test("while the server drains, new runs are refused with 503; everything else still answers", async (t) => {
  const draining = new AbortController()
  const { app } = await appFor(t, { draining: draining.signal })
  const run = await (await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo" }) })).json() as Run
  draining.abort()
  const refused = await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo" }) })
  t.equal(refused.status, 503)
  t.equal(refused.headers.get("retry-after"), "10")
  t.equal((await refused.json() as { code: string }).code, "server.shutting.down")
  const events = await sseEvents(await app.request(`/runs/${run.id}/events`, { headers: auth() }))
  t.equal(events[events.length - 1].type, "run.finished", "runs already started are followed to their end")
})
