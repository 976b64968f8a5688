/**
 * The HTTP client under `flwd --remote` (`client/`), against a small
 * scripted HTTP server for what the real one rarely does on cue: a
 * connection that drops mid-stream, a stream that ends early, a failure
 * mid-stream, replies that are not the API's.
 */
import t from "tap"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { Engine } from "../../core/mod.ts"
import { layerRemote, RemoteError } from "../../client/mod.ts"

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void

/** A loopback server answering with `handler`; closed after the test. */
async function scripted(t: { teardown: (fn: () => unknown) => void }, handler: Handler): Promise<string> {
  const server = createServer((req, res) => handler(req, res, new URL(req.url!, "http://x")))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  t.teardown(() =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  )
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

const event = (id: number, type: string, data: Record<string, unknown> = {}) =>
  `${JSON.stringify({ id, run_id: "run_1", type, at: "2025-01-01T00:00:00.000Z", data })}\n`

function runRecord(status: string) {
  const plan = {
    job_id: "j",
    source: "default",
    job: { name: "j" },
    args: {},
    argspec: { args: [] },
    profile: "secure",
    executor: { kind: "process", available: true, details: {} },
    steps: [],
    timeout_ms: 1000,
    provenance: {},
    warnings: []
  }
  return {
    id: "run_1",
    job_id: "j",
    source: "default",
    status,
    profile: "secure",
    args: {},
    exit_code: null,
    error: null,
    created_at: "2025-01-01T00:00:00.000Z",
    started_at: null,
    finished_at: null,
    plan
  }
}

async function exitOf<A, E>(url: string, f: (e: typeof Engine.Service) => Effect.Effect<A, E>) {
  return Effect.runPromiseExit(Effect.provide(Effect.flatMap(Engine, f), layerRemote({ url, token: "tok" })))
}

const collectEvents = (e: typeof Engine.Service) => Effect.map(Stream.runCollect(e.runEvents("run_1")), (c) => Chunk.toArray(c).map((x) => x.id))

t.test("runEvents() resumes after a dropped connection without loss or duplicates", async (t) => {
  const afters: Array<string | null> = []
  const url = await scripted(t, (req, res, u) => {
    t.equal(req.headers.authorization, "Bearer tok")
    if (u.pathname !== "/runs/run_1/events") return void res.writeHead(500).end()
    afters.push(u.searchParams.get("after"))
    res.writeHead(200, { "content-type": "application/x-ndjson" })
    if (afters.length === 1) {
      res.write(event(1, "run.queued") + event(2, "run.started"))
      // Half a line, then the connection breaks.
      res.write(event(3, "log").slice(0, 10), () => setImmediate(() => res.socket!.destroy()))
    } else res.end(event(3, "log", { line: "hi" }) + event(4, "run.finished"))
  })
  const exit = await exitOf(url, collectEvents)
  t.ok(Exit.isSuccess(exit), Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")
  if (Exit.isSuccess(exit)) t.same(exit.value, [1, 2, 3, 4])
  t.same(afters, ["0", "2"])
})

t.test("runEvents() resumes a stream that ended early while the run goes on", async (t) => {
  const afters: Array<string | null> = []
  const url = await scripted(t, (_req, res, u) => {
    if (u.pathname === "/runs/run_1") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(runRecord("running")))
    afters.push(u.searchParams.get("after"))
    res.writeHead(200, { "content-type": "application/x-ndjson" })
    res.end(afters.length === 1 ? event(1, "run.queued") : event(2, "run.canceled"))
  })
  const exit = await exitOf(url, collectEvents)
  t.ok(Exit.isSuccess(exit))
  if (Exit.isSuccess(exit)) t.same(exit.value, [1, 2])
  t.same(afters, ["0", "1"])
})

t.test("runEvents() ends when the run is over though its stream ended without a terminal event", async (t) => {
  let streams = 0
  const url = await scripted(t, (_req, res, u) => {
    if (u.pathname === "/runs/run_1") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(runRecord("failed")))
    streams++
    res.writeHead(200, { "content-type": "application/x-ndjson" }).end(event(1, "run.queued"))
  })
  const exit = await exitOf(url, collectEvents)
  t.ok(Exit.isSuccess(exit))
  t.equal(streams, 1)
})

t.test("a failure in the middle of a stream is the engine's tagged error", async (t) => {
  const url = await scripted(t, (_req, res) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" })
    res.end(event(1, "run.queued") + `${JSON.stringify({ type: "error", problem: { code: "store.failed", detail: "disk full", status: 500 } })}\n`)
  })
  const exit = await exitOf(url, collectEvents)
  t.ok(Exit.isFailure(exit))
  if (Exit.isFailure(exit)) t.match(Cause.squash(exit.cause), { _tag: "StoreError", code: "store.failed", detail: "disk full" })
})

t.test("problem documents become core's tagged errors by code family", async (t) => {
  const problems: Record<string, unknown> = {
    "/jobs/nope": { code: "job.not.found", detail: 'No job "nope"', errors: [{ path: "job", message: "no such job" }] },
    "/plans": { code: "args.invalid", detail: "args.name is required", errors: [{ path: "args.name", message: "is required" }] },
    "/runs/x": { code: "auth.invalid", detail: "bad token" },
    "/sources": { code: "some.future.code", detail: "from a newer server" }
  }
  const url = await scripted(t, (_req, res, u) => {
    res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify(problems[u.pathname]))
  })
  const failure = async <A, E>(f: (e: typeof Engine.Service) => Effect.Effect<A, E>) => {
    const exit = await exitOf(url, f)
    return Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
  }
  t.match(await failure((e) => e.job("nope")), { _tag: "JobError", code: "job.not.found", status: 404, errors: [{ path: "job" }] })
  t.match(await failure((e) => e.plan({ job: "j" })), { _tag: "ValidationError", code: "args.invalid", status: 422, errors: [{ path: "args.name" }] })
  t.match(await failure((e) => e.getRun("x")), { _tag: "PolicyError", code: "auth.invalid", status: 401 })
  t.match(await failure((e) => e.sources()), { code: "internal", detail: "some.future.code: from a newer server" })
  t.match(await failure((e) => e.job("..")), { _tag: "JobError", code: "job.not.found" }, "a dot segment is never sent")
})

t.test("a reply that is not the API's is a protocol error, not a crash", async (t) => {
  const url = await scripted(t, (_req, res, u) => {
    if (u.pathname === "/jobs") res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad gateway</h1>")
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ items: [{ id: 1 }] }))
  })
  const jobs = await exitOf(url, (e) => e.jobs())
  t.ok(Exit.isFailure(jobs))
  if (Exit.isFailure(jobs)) {
    const error = Cause.squash(jobs.cause)
    t.ok(error instanceof RemoteError)
    t.match(error, { code: "remote", reason: "protocol", detail: /GET http:\/\/127\.0\.0\.1:\d+\/jobs answered 502 Bad Gateway/ })
  }
  const sources = await exitOf(url, (e) => e.sources())
  if (Exit.isFailure(sources)) t.match(Cause.squash(sources.cause), { reason: "protocol", detail: /unexpected body/ })
  else t.fail("a malformed listing is refused")
})
