/**
 * @module
 * The `Engine` service over HTTP: each method is one call of the flwd API
 * (DESIGN §7, docs/api.md), and every answer is mapped back to core's
 * types and tagged errors. Whatever runs against `Engine` — the CLI's
 * commands above all — works unchanged against a server.
 *
 * A request that gets no answer (server down, connection dropped, a reply
 * that is not the API's) is not one of the engine's failures: it dies with
 * a `RemoteError`, which the CLI prints as `flwd: remote: …` and exits 1.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import {
  Engine,
  type EngineError,
  JobError,
  type PlanRequest,
  problemCodes,
  problemInfo,
  RunError,
  type RunEvent,
  SourceError,
  StoreError,
  terminalEventTypes,
  terminalStatuses
} from "../core/mod.ts"
import { followEvents } from "./event-stream.ts"
import { type Http, type HttpOptions, isDotSegment, makeHttp, type RequestOptions, segment } from "./http.ts"
import { RemoteError } from "./remote-error.ts"
import { toJobs, toJobView, toPlan, toRun, toRunPage, toSource, toSources } from "./views.ts"

/**
 * Options of `layerRemote`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface RemoteOptions extends HttpOptions {
  /**
   * The profile asked for on plans and runs that name none. Default: the
   * server's own default. A profile weaker than it needs `policy:override`.
   */
  readonly profile?: string | undefined
}

/** The built-in profiles; the API does not list a server's profiles. */
const builtinProfiles: ReadonlyArray<string> = ["secure", "permissive", "disabled"]

/** Most runs (of the page size the server allows). */
const MAX_RUN_LIMIT = 500

/** Transport failures are defects here: the Engine's error channel is the engine's own. */
const orDie = <A, E extends EngineError>(effect: Effect.Effect<A, E | RemoteError>): Effect.Effect<A, E> =>
  Effect.catchIf(effect, (e): e is RemoteError => e._tag === "RemoteError", (e) => Effect.die(e)) as Effect.Effect<A, E>

const isTerminal = (event: RunEvent) => terminalEventTypes.includes(event.type)

/** The journal's methods fail with `StoreError` only: the server's problem keeps its code and detail. */
const asStoreError = (e: EngineError): StoreError =>
  e._tag === "StoreError" ? e : new StoreError({
    code: e.code,
    problem: problemInfo(e) ?? problemCodes.internal,
    detail: e.detail,
    ...(e.errors !== undefined ? { errors: e.errors } : {})
  })

/** A job id in a path: its `/` separators stay, each part is encoded. */
function jobPath(id: string): Effect.Effect<string, JobError> {
  const parts = id.split("/")
  return parts.some(isDotSegment)
    ? Effect.fail(new JobError({ code: "job.not.found", detail: `No job "${id}"`, errors: [{ path: "job", message: "no such job" }] }))
    : Effect.succeed(`/jobs/${parts.map(segment).join("/")}`)
}

// A `.` or `..` would be resolved away by the URL and address another resource: such names exist nowhere.
const runPath = (id: string): Effect.Effect<string, RunError> =>
  isDotSegment(id) ? Effect.fail(new RunError({ code: "run.not.found", detail: `No run "${id}"` })) : Effect.succeed(`/runs/${segment(id)}`)

const sourcePath = (name: string): Effect.Effect<string, SourceError> =>
  isDotSegment(name)
    ? Effect.fail(new SourceError({ code: "source.not.found", detail: `No source named "${name}"` }))
    : Effect.succeed(`/sources/${segment(name)}`)

/** The body of `POST /plans` and `POST /runs`: the server decides `allowOverride` from the token's scopes. */
function planBody(request: PlanRequest, profile: string | undefined): Record<string, unknown> {
  const chosen = request.profile ?? profile
  return {
    job: request.job,
    args: request.args ?? {},
    ...(request.source !== undefined ? { source: request.source } : {}),
    ...(chosen !== undefined ? { profile: chosen } : {})
  }
}

type Decode<A> = (body: unknown, where: string) => Effect.Effect<A, RemoteError>

/**
 * The Engine's methods over `http`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeRemoteEngine(http: Http, options: { readonly profile?: string | undefined } = {}): typeof Engine.Service {
  /** One request and its JSON body decoded. */
  const fetchAs = <A>(method: string, path: string, decode: Decode<A>, init: RequestOptions = {}) =>
    orDie(Effect.flatMap(http.request(method, path, init), (reply) => decode(reply.body, `${method} ${http.display}${path}`)))

  // Runs whose terminal event this client saw: `awaitIdle` waits for their records to catch up.
  const settling = new Set<string>()

  const getRun = (id: string) => Effect.flatMap(runPath(id), (path) => fetchAs("GET", path, toRun))
  const sources = () => fetchAs("GET", "/sources", toSources)

  const startRun = (request: PlanRequest, headers: Readonly<Record<string, string>> = {}) =>
    Effect.flatMap(
      http.request("POST", "/runs", { body: planBody(request, options.profile), headers }),
      (reply) => Effect.map(toRun(reply.body, `POST ${http.display}/runs`), (run) => ({ run, replayed: reply.headers.get("idempotent-replay") === "true" }))
    )

  // A run's terminal event is journaled just before its record is updated,
  // so a record read right after the event may still say `running`.
  const settle = (id: string) =>
    Effect.gen(function* () {
      for (let attempt = 0; attempt < 50; attempt++) {
        if (terminalStatuses.includes((yield* getRun(id)).status)) return
        yield* Effect.sleep(Duration.millis(Math.min(200, 10 * 2 ** attempt)))
      }
    }).pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => settling.delete(id))))

  // `HEAD /events` opens no stream; its `Flwd-Stream-After` header is where one would start: the newest id.
  const latestEventId = http.request("HEAD", "/events").pipe(
    Effect.mapError((e) => (e._tag === "RemoteError" ? e : asStoreError(e))),
    Effect.flatMap((reply) => {
      const id = Number(reply.headers.get("flwd-stream-after") ?? Number.NaN)
      return Number.isSafeInteger(id) && id >= 0
        ? Effect.succeed(id)
        : Effect.fail(new StoreError({ code: "store.failed", detail: `HEAD ${http.display}/events did not name the newest event id` }))
    })
  )

  return Engine.of({
    jobs: () => fetchAs("GET", "/jobs", toJobs),
    job: (id, sourceName) => Effect.flatMap(jobPath(id), (path) => fetchAs("GET", path, toJobView, { query: { source: sourceName } })),
    // The API has no diagnostics endpoint; every source record lists its own.
    diagnostics: () => Effect.map(sources(), (all) => all.flatMap((s) => s.diagnostics.map((d) => ({ ...d, source: s.name })))),
    plan: (request) => fetchAs("POST", "/plans", toPlan, { body: planBody(request, options.profile) }),
    run: (request) => orDie(Effect.map(startRun(request), (r) => r.run)),
    getRun,
    runs: (filter) => {
      // The store clamps the page size; the API refuses what is out of range.
      const limit = filter.limit === undefined || !Number.isFinite(filter.limit) ? undefined : Math.min(MAX_RUN_LIMIT, Math.max(1, Math.floor(filter.limit)))
      const query = {
        job_id: filter.job_id,
        status: filter.status,
        limit: limit === undefined ? undefined : String(limit),
        cursor: filter.cursor === "" ? undefined : filter.cursor
      }
      return fetchAs("GET", "/runs", toRunPage, { query })
    },
    cancel: (id) => Effect.flatMap(runPath(id), (path) => fetchAs("POST", `${path}/cancel`, toRun)),
    runEvents: (id, after) =>
      Stream.unwrap(Effect.map(runPath(id), (path) =>
        followEvents(http, {
          path: `${path}/events`,
          after: after ?? 0,
          isLast: isTerminal,
          settled: Effect.map(getRun(id), (run) => terminalStatuses.includes(run.status))
        }).pipe(
          Stream.tap((event) => Effect.sync(() => void (isTerminal(event) && settling.add(id)))),
          Stream.catchTag("RemoteError", (e) => Stream.die(e))
        ))),
    // The API pages no journal; the global stream read up to the newest event there is now is the same page.
    journal: (query) =>
      Effect.flatMap(orDie(latestEventId), (latest) => {
        const after = query.after ?? 0
        if (after >= latest) return Effect.succeed([] as ReadonlyArray<RunEvent>)
        return followEvents(http, { path: "/events", after, isLast: (event) => event.id >= latest, settled: Effect.succeed(false) }).pipe(
          Stream.filter((event) => query.run_id === undefined || event.run_id === query.run_id),
          Stream.take(query.limit ?? 1000),
          Stream.runCollect,
          Effect.map((chunk): ReadonlyArray<RunEvent> => [...chunk]),
          Effect.catchAll((e) => (e._tag === "RemoteError" ? Effect.die(e) : Effect.fail(asStoreError(e))))
        )
      }),
    events: (o) =>
      followEvents(http, { path: "/events", after: o.after ?? 0, isLast: () => false, settled: Effect.succeed(false) }).pipe(
        Stream.catchAll((e) => (e._tag === "RemoteError" ? Stream.die(e) : Stream.fail(asStoreError(e))))
      ),
    sources,
    source: (name) => Effect.flatMap(sourcePath(name), (path) => fetchAs("GET", path, toSource)),
    addSource: (spec) =>
      orDie(
        Effect.flatMap(http.request("POST", "/sources", { body: spec }), (reply) =>
          Effect.map(toSource(reply.body, `POST ${http.display}/sources`), (record) => ({ source: record, created: reply.status === 201 })))
      ),
    removeSource: (name) => Effect.flatMap(sourcePath(name), (path) => orDie(Effect.asVoid(http.request("DELETE", path)))),
    refreshSource: (name) => Effect.flatMap(sourcePath(name), (path) => fetchAs("POST", `${path}:refresh`, toSource)),
    // No endpoint names the server's profiles: the built-ins, and the one this client asks for.
    profiles: () => ({ default: options.profile ?? "secure", available: builtinProfiles }),
    // Idle is the server's business; here it means the runs this client followed have settled.
    awaitIdle: Effect.suspend(() => Effect.forEach([...settling], settle, { discard: true })),
    runIdempotent: (key, _requestHash, request) => orDie(startRun(request, { "idempotency-key": key })),
    latestEventId: orDie(latestEventId)
  })
}

/**
 * The Engine as a client of the server at `options.url`. Throws
 * `validation.failed` at once when the URL is not an `http(s)://` URL.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Engine } from "flwd"
 * import { layerRemote } from "./client/mod.ts"
 *
 * const jobs = Effect.flatMap(Engine, (e) => e.jobs())
 * const ids = await Effect.runPromise(Effect.provide(jobs, layerRemote({ url: "http://127.0.0.1:8080", token: "dev-token" })))
 * ```
 */
export function layerRemote(options: RemoteOptions): Layer.Layer<Engine> {
  const http = makeHttp(options)
  return Layer.sync(Engine, () => makeRemoteEngine(http, { profile: options.profile }))
}
