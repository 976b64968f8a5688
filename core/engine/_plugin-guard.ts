/**
 * @module
 * What the SourceRegistry puts around every call into a source plugin: a
 * plugin that makes no progress (no result, and no counter of its progress
 * reports grows) for too long is abandoned, and what a plugin returns is checked against the Schemas
 * before the engine trusts it. Both failures are `source.plugin.failed` for
 * that source alone; the engine and every other source keep working.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { SourceError } from "../domain/errors.ts"
import { Diagnostic, JobDefinition } from "../domain/job.ts"
import type { LoadedSource, Progress } from "../plugin.ts"
import { fieldErrors } from "./_spec.ts"

/** How long a plugin call may go without finishing or reporting progress: 30 s. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 30_000

const LoadedSourceShape = Schema.Struct({
  root: Schema.String,
  jobs: Schema.Array(JobDefinition),
  diagnostics: Schema.Array(Diagnostic),
  provenance: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  executor: Schema.optional(Schema.String)
})

const validate = Schema.validateEither(LoadedSourceShape, { errors: "all" })

/** Fails with `source.plugin.failed` unless `loaded` is a well-formed LoadedSource. */
export function checkLoaded(name: string, loaded: unknown): Effect.Effect<LoadedSource, SourceError> {
  const result = validate(loaded)
  if (result._tag === "Right") return Effect.succeed(loaded as LoadedSource)
  const errors = fieldErrors(result.left)
  const jobs = Array.isArray((loaded as { jobs?: unknown } | null)?.jobs) ? (loaded as { jobs: Array<{ id?: unknown }> }).jobs : []
  // Name the offending jobs by id: "jobs.3" alone means nothing to an operator.
  const ids = [
    ...new Set(errors.flatMap((e) => {
      const m = /^jobs\.(\d+)/.exec(e.path)
      const id = m === null ? undefined : jobs[Number(m[1])]?.id
      return m === null ? [] : [typeof id === "string" ? id : `#${m[1]}`]
    }))
  ]
  return Effect.fail(
    new SourceError({
      code: "source.plugin.failed",
      detail: ids.length > 0
        ? `Source ${name}: the plugin returned invalid jobs (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""})`
        : `Source ${name}: the plugin returned an invalid result`,
      errors
    })
  )
}

/**
 * The progress of one plugin call: when a counter (`bytes`, `entries`) last
 * grew. A report that repeats the same counters is not progress, so a
 * timer-driven heartbeat cannot keep a stalled call alive.
 */
export interface Activity {
  /** Notes a report made at `now`; true when a counter grew. */
  readonly report: (progress: Progress, now: number) => boolean
  /** When a counter last grew (0: never). */
  readonly last: () => number
}

/** A fresh Activity, one per guarded call. */
export function makeActivity(): Activity {
  let bytes = -1
  let entries = -1
  let at = 0
  return {
    report: (progress, now) => {
      const b = typeof progress.bytes === "number" ? progress.bytes : -1
      const e = typeof progress.entries === "number" ? progress.entries : -1
      if (b <= bytes && e <= entries) return false
      bytes = Math.max(bytes, b)
      entries = Math.max(entries, e)
      at = now
      return true
    },
    last: () => at
  }
}

/**
 * Runs `effect`, failing it once `timeoutMs` pass with neither a result nor
 * progress (`lastActivity` moves whenever a progress counter grows, so a
 * long pull that keeps receiving bytes is never cut). The plugin's fiber is
 * disconnected, so a call that ignores interruption cannot hold the caller.
 */
export function withIdleTimeout<A>(
  name: string,
  effect: Effect.Effect<A, SourceError>,
  timeoutMs: number,
  lastActivity: () => number
): Effect.Effect<A, SourceError> {
  const watchdog = (started: number) =>
    Effect.gen(function* () {
      for (;;) {
        const now = yield* Clock.currentTimeMillis
        const idle = now - Math.max(started, lastActivity())
        if (idle >= timeoutMs) {
          return yield* new SourceError({
            code: "source.plugin.failed",
            detail: `Source ${name}: the plugin neither finished nor reported progress within ${Duration.format(Duration.millis(timeoutMs))}; abandoned`
          })
        }
        yield* Effect.sleep(Duration.millis(timeoutMs - idle))
      }
    })
  return Effect.flatMap(Clock.currentTimeMillis, (started) => Effect.raceFirst(Effect.disconnect(effect), watchdog(started)))
}
