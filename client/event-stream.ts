/**
 * @module
 * Following an event stream of the API (`GET /runs/{id}/events`,
 * `GET /events`) as an Effect Stream. It reads NDJSON (`?format=ndjson`):
 * one event per line, or one `{"type":"error","problem":…}` line when the
 * engine failed mid-stream. A connection that drops, or ends before the
 * last event, is resumed after the last event seen (`?after=`), so nothing
 * is lost or repeated; a few attempts in a row without progress give up.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { EngineError, RunEvent } from "../core/mod.ts"
import type { Http } from "./http.ts"
import { fromProblem, isProblemDocument } from "./problem-error.ts"
import { describeFailure, RemoteError } from "./remote-error.ts"
import { toEvent } from "./views.ts"

/** Attempts in a row that bring no event before the stream fails. */
const MAX_ATTEMPTS = 5

/** @since 0.1.0 @category models */
export interface FollowOptions {
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>>
  /** Start after this event id. */
  readonly after: number
  /** True for the event that ends the stream (a run's terminal event); none for the global stream. */
  readonly isLast: (event: RunEvent) => boolean
  /**
   * Asked when a connection ends cleanly before the last event: whether
   * nothing more will come (the run is over), or the server only closed
   * this connection (it is shutting down) and it is worth resuming.
   */
  readonly settled: Effect.Effect<boolean, EngineError | RemoteError>
}

type Failure = EngineError | RemoteError

/** A broken or refused connection is worth another attempt; an answer from the server is not. */
function isTransient(error: Failure): error is RemoteError {
  return error._tag === "RemoteError" && (error.reason === "unreachable" || error.reason === "dropped")
}

function decodeLine(line: string, where: string): Effect.Effect<RunEvent, Failure> {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return Effect.fail(new RemoteError({ reason: "protocol", detail: `${where} sent a line that is not JSON` }))
  }
  const problem = (value as { type?: unknown; problem?: unknown } | null)?.type === "error" ? (value as { problem?: unknown }).problem : undefined
  if (problem !== undefined) {
    return Effect.fail(
      isProblemDocument(problem) ? fromProblem(problem) : new RemoteError({ reason: "protocol", detail: `${where} failed without a problem document` })
    )
  }
  return toEvent(value, where)
}

/**
 * The non-empty lines of a text stream that end in a newline. Unlike
 * `Stream.splitLines`, an unterminated rest is dropped at the end: it is
 * half an event from a connection that broke, and comes again on resume.
 */
function completeLines<E, R>(text: Stream.Stream<string, E, R>): Stream.Stream<string, E, R> {
  return text.pipe(
    Stream.mapAccum("", (rest, chunk) => {
      const lines = (rest + chunk).split("\n")
      const tail = lines.pop()!
      return [tail, lines.filter((line) => line.trim() !== "")] as const
    }),
    Stream.flattenIterables
  )
}

/**
 * The events after `options.after`, resumed across dropped connections.
 *
 * @since 0.1.0
 * @category constructors
 */
export function followEvents(http: Http, options: FollowOptions): Stream.Stream<RunEvent, Failure> {
  const where = `GET ${http.display}${options.path}`
  return Stream.suspend(() => {
    let last = options.after
    let failures = 0
    let connected = false
    let over = false
    let lastError: RemoteError | undefined

    const connection = () =>
      Stream.unwrapScoped(Effect.map(http.open(options.path, { ...options.query, format: "ndjson", after: String(last) }), (body) => {
        connected = true
        return Stream.fromReadableStream({
          evaluate: () => body,
          onError: (cause) => new RemoteError({ reason: "dropped", detail: `${where}: ${describeFailure(cause)}`, cause })
        })
      })).pipe(
        Stream.decodeText(),
        completeLines,
        Stream.mapEffect((line) => decodeLine(line, where)),
        Stream.tap((event) =>
          Effect.sync(() => {
            last = event.id
            failures = 0
            if (options.isLast(event)) over = true
          })
        ),
        Stream.takeUntil(options.isLast)
      )

    const remember = (error: Failure) =>
      // A server that was never reached is reported at once, not after retries.
      connected && isTransient(error) ? Effect.sync(() => void (lastError = error)) : Effect.fail(error)

    const next = (): Stream.Stream<RunEvent, Failure> =>
      over ? Stream.empty : Stream.unwrap(Effect.gen(function* () {
        if (lastError === undefined) {
          const settled = yield* options.settled.pipe(Effect.catchAll((e) => Effect.as(remember(e), false)))
          if (settled) return Stream.empty
        }
        failures++
        if (failures >= MAX_ATTEMPTS) {
          return Stream.fail(lastError ?? new RemoteError({ reason: "dropped", detail: `${where}: the stream keeps ending early` }))
        }
        lastError = undefined
        yield* Effect.sleep(Duration.millis(100 * 2 ** (failures - 1)))
        return attempt()
      }))

    const attempt = (): Stream.Stream<RunEvent, Failure> =>
      connection().pipe(
        Stream.catchAll((error) => Stream.execute(remember(error))),
        Stream.concat(Stream.suspend(next))
      )

    return attempt()
  })
}
