/**
 * @module
 * The Hono app of the HTTP API (DESIGN §7): a sub-app per resource, one
 * error mapping, auth, a body limit and metrics. It speaks web standards
 * only (`app.fetch(Request)`), so any program can mount it and any runtime
 * can serve it; `server/main.ts` serves it from `flwd :serve`.
 */
import { Hono } from "hono"
import process from "node:process"
import type { EngineHandle } from "../engine/handle.ts"
import { DEV_TOKEN, makeTokenTable, parseTokens, type TokenGrant } from "./auth/tokens.ts"
import type { AppEnv, AppSettings, Deps } from "./context.ts"
import { logEvents } from "./log-events.ts"
import { type Logger, makeLogger } from "./logger.ts"
import { makeMetrics, watchEvents } from "./metrics.ts"
import { bodyLimit, DEFAULT_BODY_LIMIT, DEFAULT_READ_TIMEOUT_MS } from "./middleware/body-limit.ts"
import { hostCheck, parseAllowedHosts } from "./middleware/host-check.ts"
import { recordMetrics } from "./middleware/metrics.ts"
import { requestLog } from "./middleware/request-log.ts"
import { setResponseHeader } from "./middleware/response-header.ts"
import { onNotFound, onProblem } from "./middleware/problem-errors.ts"
import { eventsRoutes } from "./routes/events.ts"
import { jobsRoutes } from "./routes/jobs.ts"
import { metaRoutes } from "./routes/meta.ts"
import { plansRoutes } from "./routes/plans.ts"
import { runsRoutes } from "./routes/runs.ts"
import { sourcesRoutes } from "./routes/sources.ts"
import { makeStreamHub } from "./sse.ts"
import { uiRoutes } from "./ui/mod.ts"
import { makeSessionStore, sessionCookie } from "./ui/session.ts"
import { packageVersion } from "./version.ts"

/**
 * Options of `createApp`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface AppOptions {
  /** Tokens in addition to `FLWD_TOKENS`: `token:scope,scope;token:*`, or grants. Default none. */
  readonly tokens?: string | ReadonlyArray<TokenGrant>
  /** Environment to read `FLWD_TOKENS` from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Adds `dev-token` with every scope. Default false; only for a loopback bind. */
  readonly dev?: boolean
  /**
   * Whether the server listens on loopback only, which opens `/metrics` and
   * refuses requests whose `Host` is not loopback (DNS rebinding). Default false.
   */
  readonly loopback?: boolean
  /**
   * Host names answered besides loopback ones (`proxy.example`, `*.apps.example`),
   * for a reverse proxy; when given, the `Host` check applies to any bind. Default none.
   */
  readonly allowedHosts?: ReadonlyArray<string>
  /** Largest request body in bytes. Default 1 MiB. */
  readonly bodyLimit?: number
  /** How long a client may take to send a request (a stalled body is 408). Default 30 000 ms. */
  readonly readTimeoutMs?: number
  /** Interval of the SSE `: ping` comment in ms. Default 15 000. */
  readonly heartbeatMs?: number
  /** Aborting it ends every open event stream (graceful shutdown). Default none. */
  readonly signal?: AbortSignal
  /** Aborting it refuses new runs with 503 while the server drains. Default none. */
  readonly draining?: AbortSignal
  /** Where unexpected errors are logged, with their stack. Default `console.error`. */
  readonly log?: (message: string) => void
  /**
   * The structured logger of requests, admission decisions and failures
   * (`server/logger.ts`). Default: text lines through `log`.
   */
  readonly logger?: Logger
  /**
   * Whether to serve the web console at `/ui` (and redirect `/` there).
   * Default true. Its sign-in sessions live in this app's memory.
   */
  readonly ui?: boolean
}

// Read-only for every request without a token: one value serves them all.
const NO_SCOPES: ReadonlySet<never> = new Set()

/**
 * Builds the app over a running engine. Fails with `config.invalid` when a
 * token entry is malformed, and `validation.failed` for a bad allowed host.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createApp, createEngine } from "flwd"
 * import { serve } from "@hono/node-server"
 *
 * const engine = await createEngine({ root: "examples/jobs" })
 * const app = createApp(engine, { tokens: "s3cret:*", loopback: true })
 * serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 8080 })
 * ```
 */
export function createApp(engine: EngineHandle, options: AppOptions = {}): Hono<AppEnv> {
  const env = options.env ?? process.env
  const grants: Array<TokenGrant> = [...parseTokens(env.FLWD_TOKENS ?? "")]
  if (typeof options.tokens === "string") grants.push(...parseTokens(options.tokens, "tokens"))
  else if (options.tokens !== undefined) grants.push(...options.tokens)
  if (options.dev === true) grants.push({ token: DEV_TOKEN, scopes: ["*"] })

  const allowedHosts = parseAllowedHosts(options.allowedHosts ?? [], "allowedHosts")

  const logger = options.logger ?? makeLogger("text", options.log ?? ((m) => console.error(m)))
  const settings: AppSettings = {
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    readTimeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    loopback: options.loopback ?? false,
    version: packageVersion(),
    signal: options.signal,
    draining: options.draining,
    log: (m) => logger.log("error", m)
  }
  const streams = makeStreamHub(engine, { heartbeatMs: settings.heartbeatMs, signal: options.signal })
  const metrics = makeMetrics({ version: settings.version, profile: engine.settings.profile, openStreams: streams.size })
  watchEvents(engine, metrics, options.signal)
  logEvents(engine, logger, options.signal)
  const ui = options.ui ?? true
  const deps: Deps = { engine, tokens: makeTokenTable(grants), settings, metrics, streams, sessions: makeSessionStore() }

  // Not strict: `/runs/` is `/runs`, as clients typing URLs expect.
  const app = new Hono<AppEnv>({ strict: false })
  app.use(requestLog(logger))
  app.use(recordMetrics(metrics))
  app.use(async function defaults(c, next) {
    c.set("scopes", NO_SCOPES)
    c.set("session", undefined)
    c.set("unmatched", false)
    await next()
    setResponseHeader(c, "x-content-type-options", "nosniff")
  })
  // Before auth: a rebinding page must learn nothing, not even which tokens fail.
  if (settings.loopback || allowedHosts.length > 0) app.use(hostCheck(allowedHosts))
  app.use(bodyLimit(settings.bodyLimit))
  // The console's cookie also authenticates API calls (with a CSRF header for unsafe ones).
  if (ui) app.use(sessionCookie(deps.sessions))
  if (ui) app.get("/", (c) => c.redirect("/ui/", 302))
  app.route("/", metaRoutes(deps))
  app.route("/jobs", jobsRoutes(deps))
  app.route("/plans", plansRoutes(deps))
  app.route("/runs", runsRoutes(deps))
  app.route("/sources", sourcesRoutes(deps))
  app.route("/events", eventsRoutes(deps))
  if (ui) app.route("/ui", uiRoutes(deps))
  app.onError(onProblem(settings.log))
  app.notFound(onNotFound(app))
  return app
}
