/**
 * @module
 * `flwd :events`: the engine's event journal (sources, policy decisions,
 * runs), one line per event or, with `--json`, the API's event objects as
 * NDJSON. Without `--follow` it prints what is journaled now and exits;
 * with it, it keeps streaming until Ctrl-C, or, with `--run`, until the
 * run's terminal event. Local and `--remote` alike: both read the same
 * `Engine` streams (`GET /events`, `GET /runs/{id}/events` remotely).
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type EngineError, EventType, type RunEvent, terminalEventTypes, terminalStatuses } from "../../core/mod.ts"
import { expectPositionals, parseArgs, type ParsedArgs, stringFlag, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import { findCommand } from "../registry.ts"
import { describeEngineEvent } from "../render-events.ts"
import { call, type EngineApi } from "./_engine.ts"

const spec = findCommand(":events")!

/** `--after` as an event id. */
function afterOf(parsed: ParsedArgs): number | undefined {
  const text = stringFlag(parsed, "after")
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError("--after takes an event id (a non-negative integer)", { errors: [{ path: "--after", message: "must be a non-negative integer" }] })
  }
  return n
}

/** `--type`, repeatable or comma-separated, each a known event type. */
function typesOf(parsed: ParsedArgs): ReadonlySet<string> | undefined {
  const given = (parsed.flags.type as ReadonlyArray<string> | undefined ?? []).flatMap((t) => t.split(",")).map((t) => t.trim()).filter((t) => t !== "")
  if (given.length === 0) return undefined
  const known: ReadonlyArray<string> = EventType.literals
  const unknown = given.filter((t) => !known.includes(t))
  if (unknown.length > 0) {
    throw new UsageError(`unknown event type ${unknown.join(", ")}; types: ${known.join(", ")}`, {
      errors: [{ path: "--type", message: `must be one of ${known.join(", ")}` }]
    })
  }
  return new Set(given)
}

/** How often a local follow looks at the journal again. */
const POLL = Duration.millis(250)

interface Selection {
  readonly run?: string
  readonly after?: number
  readonly follow: boolean
}

const isTerminal = (event: RunEvent) => terminalEventTypes.includes(event.type)

/**
 * The journal read page by page, in-process. The run being watched often
 * belongs to another `flwd` process (the one running the job), whose
 * publications this engine's event bus never hears of: a follow polls the
 * journal itself, which every process shares.
 */
function journaled(e: EngineApi, options: Selection, after: number): Stream.Stream<RunEvent, EngineError> {
  const { run, follow } = options
  return Stream.paginateChunkEffect(after, (cursor) =>
    Effect.gen(function* () {
      while (true) {
        const page = yield* e.journal({ ...(run !== undefined ? { run_id: run } : {}), after: cursor, limit: 500 })
        if (page.length > 0) {
          const end = run !== undefined && follow ? page.findIndex(isTerminal) : -1
          const batch = end >= 0 ? page.slice(0, end + 1) : page
          return [Chunk.fromIterable(batch), end >= 0 ? Option.none<number>() : Option.some(batch[batch.length - 1].id)] as const
        }
        const over = !follow || (run !== undefined && terminalStatuses.includes((yield* e.getRun(run)).status))
        if (over) return [Chunk.empty<RunEvent>(), Option.none<number>()] as const
        yield* Effect.sleep(POLL)
      }
    }))
}

/**
 * The events of a server, over its streams. A run's stream ends at its
 * terminal event by itself; the engine-wide one never ends, so without
 * `--follow` it stops at the newest event there was when the command started.
 */
function streamed(e: EngineApi, options: Selection, after: number, latest: number): Stream.Stream<RunEvent, EngineError> {
  const { run, follow } = options
  if (run !== undefined && follow) return e.runEvents(run, after)
  if (follow) return e.events({ after })
  if (after >= latest) return Stream.empty
  const journal = e.events({ after }).pipe(Stream.takeUntil((event) => event.id >= latest))
  return run === undefined ? journal : Stream.filter(journal, (event) => event.run_id === run)
}

function selected(e: EngineApi, options: Selection, remote: boolean): Stream.Stream<RunEvent, EngineError> {
  return Stream.unwrap(Effect.gen(function* () {
    // An unknown run is run.not.found before anything is printed.
    if (options.run !== undefined) yield* e.getRun(options.run)
    const latest = yield* e.latestEventId
    // Following the engine starts with what happens next, as `GET /events` does, unless --after says where;
    // a run is followed from its start, as `:runs events` does.
    const after = options.after ?? (options.follow && options.run === undefined ? latest : 0)
    return remote ? streamed(e, options, after, latest) : journaled(e, options, after)
  }))
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, spec.flags, ":events")
  expectPositionals(parsed, 0, ":events")
  const types = typesOf(parsed)
  const options = { run: stringFlag(parsed, "run"), after: afterOf(parsed), follow: parsed.flags.follow === true }
  const { out } = ctx
  const print = (event: RunEvent) =>
    Effect.sync(() => {
      if (types !== undefined && !types.has(event.type)) return
      if (out.json) out.record(event)
      else out.line(describeEngineEvent(event))
    })
  // Ctrl-C ends a follow as its normal end: what was printed is the answer.
  let stopped = false
  let interrupt: (() => void) | undefined
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve))
  const stop = ctx.onInterrupt(() => {
    stopped = true
    interrupt?.()
  })
  try {
    await call(ctx, (e) =>
      Stream.runForEach(selected(e, options, ctx.globals.remote !== undefined), print).pipe(
        Effect.raceFirst(Effect.promise(() => interrupted))
      ))
  } finally {
    stop()
  }
  return stopped ? 130 : 0
}
