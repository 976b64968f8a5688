import { writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { auth, type Frame, jsonHeaders, readSse, serverFor, sseEvents, terminalTypes } from "./_helpers.ts"

type Run = { id: string; status: string }
type Event = { id: number; type: string; run_id: string | null; data: Record<string, unknown> }

const start = async (url: string, body: unknown): Promise<Run> => {
  const res = await fetch(`${url}/runs`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) })
  if (res.status !== 202) throw new Error(`POST /runs: ${res.status} ${await res.text()}`)
  return await res.json() as Run
}

const journal = async (url: string, id: string): Promise<Array<Event>> =>
  (await (await fetch(`${url}/runs/${id}/events?format=ndjson`, { headers: auth() })).text())
    .trim().split("\n").map((l) => JSON.parse(l) as Event)

t.test("a client that disconnects mid-run: the run goes on; Last-Event-ID resumes without loss or duplicates", async (t) => {
  const { url } = await serverFor(t)
  const gate = join(t.testdir(), "gate")
  const run = await start(url, { job: "gated", args: { gate, before: 3, after: 4 } })

  const first: Array<Event> = []
  const outcome = await readSse(await fetch(`${url}/runs/${run.id}/events`, { headers: auth() }), (f) => {
    if (f.data !== undefined) first.push(JSON.parse(f.data))
    return first.filter((e) => e.type === "log").length === 3
  })
  t.equal(outcome, "stopped", "the client hung up mid-run")
  t.equal((await (await fetch(`${url}/runs/${run.id}`, { headers: auth() })).json() as Run).status, "running", "the run goes on")

  writeFileSync(gate, "")
  const last = first[first.length - 1].id
  const rest = await sseEvents(await fetch(`${url}/runs/${run.id}/events`, { headers: { ...auth(), "last-event-id": String(last) } }))
  t.ok(rest.every((e) => e.id > last), "nothing before the resume point")
  t.ok(terminalTypes.includes(rest[rest.length - 1].type), "the rest ends at the terminal event")
  const all = await journal(url, run.id)
  t.same([...first, ...rest].map((e) => e.id), all.map((e) => e.id), "first part + rest = the journal")
  t.same(all.filter((e) => e.type === "log").map((e) => e.data.line), ["before 1", "before 2", "before 3", "after 1", "after 2", "after 3", "after 4"])

  const fromQuery = await sseEvents(await fetch(`${url}/runs/${run.id}/events?after=${last}`, { headers: auth() }))
  t.same(fromQuery.map((e) => e.id), rest.map((e) => e.id), "?after= resumes the same way")
  const bad = await fetch(`${url}/runs/${run.id}/events`, { headers: { ...auth(), "last-event-id": "x" } })
  t.equal(bad.status, 400)
})

t.test("a disconnect ends the server's side of the stream", async (t) => {
  const { url } = await serverFor(t)
  const open = async () => Number(/^flwd_event_streams (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1])
  const gate = join(t.testdir(), "gate")
  const run = await start(url, { job: "gated", args: { gate, before: 1, after: 0 } })
  const clients = await Promise.all([1, 2, 3].map(() => fetch(`${url}/runs/${run.id}/events`, { headers: auth() })))
  await Promise.all(clients.map((res) => readSse(res, (f) => f.event === "log")))
  let n = await open()
  for (let i = 0; i < 200 && n !== 0; i++) {
    await new Promise((r) => setTimeout(r, 10))
    n = await open()
  }
  t.equal(n, 0, "no stream left open on the server")
  t.equal((await (await fetch(`${url}/runs/${run.id}`, { headers: auth() })).json() as Run).status, "running")
  writeFileSync(gate, "")
  const rest = await sseEvents(await fetch(`${url}/runs/${run.id}/events`, { headers: auth() }))
  t.equal(rest[rest.length - 1].type, "run.finished")
})

t.test("frames carry id, event = type, and data = the event as JSON", async (t) => {
  const { url } = await serverFor(t)
  const run = await start(url, { job: "echo", args: { lines: 1 } })
  const frames: Array<Frame> = []
  await readSse(await fetch(`${url}/runs/${run.id}/events`, { headers: auth() }), (f) => void frames.push(f))
  const events = frames.filter((f) => f.data !== undefined)
  for (const f of events) {
    const e = JSON.parse(f.data as string) as Event
    t.equal(f.id, String(e.id))
    t.equal(f.event, e.type)
  }
  const head = await fetch(`${url}/runs/${run.id}/events`, { method: "HEAD", headers: auth() })
  t.equal(head.status, 200)
  t.match(head.headers.get("content-type"), /^text\/event-stream/)
  const unknown = await fetch(`${url}/runs/run_unknown/events`, { headers: auth() })
  t.equal(unknown.status, 404)
  t.match(unknown.headers.get("content-type"), /problem\+json/)
})

t.test("heartbeat comments keep idle streams alive", async (t) => {
  const { url } = await serverFor(t, { heartbeatMs: 20 })
  const gate = join(t.testdir(), "gate")
  const run = await start(url, { job: "gated", args: { gate, before: 0, after: 0 } })
  let pings = 0
  await readSse(await fetch(`${url}/runs/${run.id}/events`, { headers: auth() }), (f) => {
    if (f.comment === "ping") pings++
    if (pings === 3) writeFileSync(gate, "")
    return false
  })
  t.ok(pings >= 3)
})

t.test("GET /events follows everything from now on; ?after=0 replays the journal", async (t) => {
  const { url } = await serverFor(t)
  const before = await start(url, { job: "echo", args: { lines: 0 } })
  await sseEvents(await fetch(`${url}/runs/${before.id}/events`, { headers: auth() }))

  const seen: Array<Event> = []
  let run: Run | undefined
  const live = fetch(`${url}/events`, { headers: auth() }).then((res) =>
    readSse(res, (f) => {
      if (f.comment === "ping" && run === undefined) {
        // The stream is open: start the run it should see.
        void start(url, { job: "echo", args: { lines: 1 } }).then((r) => (run = r))
      }
      if (f.data !== undefined) seen.push(JSON.parse(f.data))
      return seen.some((e) => e.run_id === run?.id && terminalTypes.includes(e.type))
    })
  )
  t.equal(await live, "stopped")
  t.notOk(seen.some((e) => e.run_id === before.id), "no replay of earlier runs")
  t.ok(seen.some((e) => e.type === "run.queued" && e.run_id === run?.id))

  const replay: Array<Event> = []
  await readSse(await fetch(`${url}/events?after=0`, { headers: auth() }), (f) => {
    if (f.data !== undefined) replay.push(JSON.parse(f.data))
    return replay.some((e) => e.run_id === before.id && terminalTypes.includes(e.type))
  })
  t.equal(replay[0].run_id, before.id)
})

t.test("100 concurrent runs, each with an SSE subscriber: every event of its run, in order", async (t) => {
  const { url } = await serverFor(t, {}, { maxConcurrentRuns: 8 })
  const runs = await Promise.all(Array.from({ length: 100 }, (_, i) => start(url, { job: "echo", args: { name: `n${i}`, lines: 5 } })))
  const streams = await Promise.all(runs.map(async (run) => sseEvents(await fetch(`${url}/runs/${run.id}/events`, { headers: auth() }))))
  let complete = 0
  for (let i = 0; i < runs.length; i++) {
    const got = streams[i]
    const ids = got.map((e) => e.id)
    const ordered = ids.every((id, k) => k === 0 || id > ids[k - 1])
    const lines = got.filter((e) => e.type === "log").map((e) => e.data.line)
    const expected = [1, 2, 3, 4, 5].map((n) => `line ${n} for n${i}`)
    if (
      ordered && got.every((e) => e.run_id === runs[i].id) && got[0].type === "run.queued" && terminalTypes.includes(got[got.length - 1].type) &&
      JSON.stringify(lines) === JSON.stringify(expected)
    ) complete++
  }
  t.equal(complete, 100, "every subscriber got its whole run in order")
  const journals = await Promise.all(runs.slice(0, 10).map((r) => journal(url, r.id)))
  journals.forEach((j, i) => t.same(streams[i].map((e) => e.id), j.map((e) => e.id), `run ${i} matches its journal`))
})
