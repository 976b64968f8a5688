/**
 * @module
 * Pull progress while `:sources add` or `refresh` runs: the engine's
 * `source.pulled` events of that source, followed from the journal. On a
 * terminal (stderr) they become one line per layer, redrawn in place, with
 * bytes and rate; under `--json` each event is an NDJSON line on stdout;
 * otherwise nothing is printed (a pipe gets only the result).
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { RunEvent } from "../../core/mod.ts"
import type { CommandContext } from "../context.ts"
import type { Output } from "../output.ts"
import { call, type EngineApi } from "./_engine.ts"

/** `12.3 MB`. */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"]
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}

interface LayerLine {
  digest: string
  size: number
  bytes: number
  rate: number
  state: string
}

/** Redraws one line per layer on a terminal. */
function terminalRenderer(out: Output) {
  const layers: Array<LayerLine> = []
  let drawn = 0
  const draw = () => {
    let text = drawn > 0 ? `\u001b[${drawn}A` : ""
    for (const [i, l] of layers.entries()) {
      const amount = l.state === "cached" ? formatBytes(l.size) : `${formatBytes(l.bytes)} / ${formatBytes(l.size)}`
      const rate = l.state === "downloading" && l.rate > 0 ? `  ${formatBytes(l.rate)}/s` : ""
      text += `\u001b[2K  layer ${i + 1}/${layers.length}  ${l.digest.slice(7, 19)}  ${amount}${rate}  ${l.state}\n`
    }
    drawn = layers.length
    out.raw("stderr", text)
  }
  return (event: RunEvent) => {
    const d = event.data
    if (d.phase === "resolved" && typeof d.layers === "number") {
      out.note(out.style.dim(`pulling ${String(d.ref)} (${String(d.digest).slice(0, 19)}…, ${d.layers} layers, ${formatBytes(Number(d.bytes))})`))
      layers.length = 0
      for (let i = 0; i < d.layers; i++) layers.push({ digest: "sha256:…", size: 0, bytes: 0, rate: 0, state: "waiting" })
      drawn = 0
      draw()
      return
    }
    const i = typeof d.index === "number" ? d.index : -1
    const l = layers[i]
    if (l === undefined) return
    l.digest = String(d.digest ?? l.digest)
    l.size = Number(d.size ?? l.size)
    if (d.phase === "download") {
      l.bytes = Number(d.bytes)
      l.rate = Number(d.rate)
      if (l.state === "waiting") l.state = "downloading"
      if (d.done === true && l.state === "downloading") l.state = "fetched"
    } else if (d.phase === "layer") {
      // A layer fetched earlier in this pull is read back from the cache to be unpacked.
      const fetchedNow = l.state === "fetched" || l.state === "downloading"
      l.state = d.state === "cached" && fetchedNow ? "unpacking" : String(d.state)
      if (l.state === "fetched" || l.state === "unpacked" || l.state === "unpacking") l.bytes = l.size
    }
    draw()
  }
}

/**
 * Runs `op` (an add or refresh of source `name`) while showing its pull
 * progress; resolves to what `op` returned.
 */
export function withPullProgress<A, E>(ctx: CommandContext, name: string, op: (engine: EngineApi) => Effect.Effect<A, E>): Promise<A> {
  const { out } = ctx
  const render = out.json ? (e: RunEvent) => out.record(e) : out.interactive && !out.quiet ? terminalRenderer(out) : null
  if (render === null) return call(ctx, op)
  return call(ctx, (engine) =>
    Effect.gen(function* () {
      const after = yield* Effect.orElseSucceed(engine.latestEventId, () => 0)
      let seen = after
      const follower = yield* Stream.runForEach(engine.events({ after }), (event) =>
        Effect.sync(() => {
          seen = event.id
          if (event.type === "source.pulled" && event.data.name === name) render(event)
        })).pipe(Effect.ignore, Effect.fork)
      const result = yield* Effect.either(op(engine))
      // Every event of the pull is journaled before `op` returns; wait until the follower showed them.
      const last = yield* Effect.orElseSucceed(engine.latestEventId, () => 0)
      yield* Effect.sync(() => seen >= last).pipe(
        Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("20 millis") }),
        Effect.timeout("3 seconds"),
        Effect.ignore
      )
      yield* Fiber.interrupt(follower)
      return yield* result
    }))
}
