/**
 * @module
 * The server's Prometheus metrics, on a registry of its own (so two apps in
 * one process never clash): HTTP traffic, run outcomes, policy denials and
 * failed source operations (counted from the engine's global event stream,
 * whoever started the run or touched the source), build info and the
 * security profile.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import { Effect, Engine, type RunEvent, Stream } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Metrics {
  readonly observeRequest: (method: string, route: string, status: number, seconds: number) => void
  readonly observeEvent: (event: RunEvent) => void
  /** The exposition text and its content type. */
  readonly scrape: () => Promise<{ readonly text: string; readonly contentType: string }>
}

const terminal: Readonly<Record<string, string>> = {
  "run.finished": "succeeded",
  "run.failed": "failed",
  "run.canceled": "canceled"
}

/**
 * Creates the metrics of one app.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeMetrics(options: {
  readonly version: string
  readonly profile: string
  /** How many event streams are open, read at each scrape. */
  readonly openStreams?: () => number
}): Metrics {
  const registry = new Registry()
  const registers = [registry]
  const requests = new Counter({
    name: "flwd_http_requests_total",
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers
  })
  const duration = new Histogram({
    name: "flwd_http_request_duration_seconds",
    help: "Time to the response headers, by method and route pattern",
    labelNames: ["method", "route"] as const,
    registers
  })
  const runs = new Counter({ name: "flwd_runs_total", help: "Runs that ended, by final status", labelNames: ["status"] as const, registers })
  // Zero series from the start, so a dashboard sees every status before it happens.
  for (const status of Object.values(terminal)) runs.inc({ status }, 0)
  const denials = new Counter({
    name: "flwd_policy_denials_total",
    help: "Policy decisions that denied, by decision code",
    labelNames: ["reason"] as const,
    registers
  })
  const sourceFailures = new Counter({
    name: "flwd_source_failures_total",
    help: "Source operations (add, refresh, remove, restore, beforeUse) that failed, by problem code and operation",
    labelNames: ["code", "operation"] as const,
    registers
  })
  new Gauge({ name: "flwd_build_info", help: "The flwd version", labelNames: ["version"] as const, registers }).set({ version: options.version }, 1)
  new Gauge({ name: "flwd_security_profile", help: "The default security profile", labelNames: ["profile"] as const, registers })
    .set({ profile: options.profile }, 1)
  const openStreams = options.openStreams
  if (openStreams !== undefined) {
    new Gauge({
      name: "flwd_event_streams",
      help: "Event streams (SSE or NDJSON) open now",
      registers,
      collect() {
        this.set(openStreams())
      }
    })
  }
  try {
    collectDefaultMetrics({ register: registry })
  } catch {
    // Process metrics are a bonus; a runtime without them still serves flwd's own.
  }

  return {
    observeRequest: (method, route, status, seconds) => {
      requests.inc({ method, route, status: String(status) })
      duration.observe({ method, route }, seconds)
    },
    observeEvent: (event) => {
      const status = terminal[event.type]
      if (status !== undefined) {
        const reported = typeof event.data.status === "string" ? event.data.status : status
        runs.inc({ status: reported })
      } else if (event.type === "policy.decision" && event.data.decision === "deny") {
        // The code, not the free-text reason, keeps the label set bounded.
        denials.inc({ reason: typeof event.data.code === "string" ? event.data.code : "unknown" })
      } else if (event.type === "source.failed") {
        sourceFailures.inc({
          code: typeof event.data.code === "string" ? event.data.code : "unknown",
          operation: typeof event.data.operation === "string" ? event.data.operation : "unknown"
        })
      }
    },
    scrape: async () => ({ text: await registry.metrics(), contentType: registry.contentType })
  }
}

/**
 * Feeds the engine's events from now on into `metrics` (or any other
 * observer, such as the server's log) until `signal` aborts. A store
 * failure ends the feed; serving goes on.
 *
 * @since 0.1.0
 * @category constructors
 */
export function watchEvents(engine: EngineHandle, metrics: Pick<Metrics, "observeEvent">, signal: AbortSignal | undefined): void {
  const feed = Effect.flatMap(
    Engine,
    (e) => Effect.flatMap(e.latestEventId, (after) => Stream.runForEach(e.events({ after }), (event) => Effect.sync(() => metrics.observeEvent(event))))
  )
  const fiber = Runtime.runFork(engine.runtime)(feed.pipe(Effect.ignore))
  signal?.addEventListener("abort", () => void Effect.runFork(Fiber.interrupt(fiber)), { once: true })
}
