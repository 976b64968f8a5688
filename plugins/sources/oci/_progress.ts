/**
 * @module
 * Pull progress as `source.pulled` events (through `SourceContext.progress`):
 * the library's phase changes plus per-layer byte counts, throttled to a
 * few events a second per layer so the journal stays small. A load that
 * fetches and unpacks nothing (a restart, a warm re-add) publishes nothing:
 * events are held back until real work starts. Events are published in
 * order from synchronous callbacks through one promise chain.
 *
 * Only real work is reported (bytes downloaded, layers fetched, entries and
 * bytes unpacked), never a timer: the engine's no-progress watchdog must see a
 * stalled registry as the silence it is.
 */
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type { SourceContext } from "../../../core/mod.ts"
import type { Descriptor, PullProgress, RegistryClient } from "../../oci/mod.ts"

/** How often one layer's byte count is reported while it downloads. */
const INTERVAL_MS = 250

/** Publishes progress events in order; `flush` waits until all are out. */
export interface Reporter {
  readonly send: (data: Readonly<Record<string, unknown>>) => void
  /** Like `send`, but only once something was sent (the closing event of a pull). */
  readonly finish: (data: Readonly<Record<string, unknown>>) => void
  /** Counts a layer's downloaded bytes (from the counting client). */
  readonly bytes: (descriptor: Descriptor, n: number, done: boolean) => void
  /** The library's own progress events. */
  readonly pull: (event: PullProgress) => void
  /** Layer indexes by digest, once the manifest is known. */
  readonly layers: (layers: ReadonlyArray<Descriptor>) => void
  readonly flush: Effect.Effect<void>
}

/** A reporter for one pull of `ref`. */
export function makeReporter(ctx: SourceContext, ref: string): Effect.Effect<Reporter> {
  return Effect.map(Effect.runtime<never>(), (runtime) => {
    let chain: Promise<void> = Promise.resolve()
    const run = Runtime.runPromise(runtime)
    const held: Array<Readonly<Record<string, unknown>>> = []
    let started = false
    const publish = (data: Readonly<Record<string, unknown>>) => {
      const event = { ref, ...data }
      chain = chain.then(() => run(ctx.progress(event))).catch(() => undefined)
    }
    const send = (data: Readonly<Record<string, unknown>>) => {
      if (!started) {
        started = true
        held.splice(0).forEach(publish)
      }
      publish(data)
    }
    // What happens on every load, fetched or not, waits for real work.
    const hold = (data: Readonly<Record<string, unknown>>) => (started ? publish(data) : void held.push(data))
    const index = new Map<string, number>()
    const counters = new Map<string, { bytes: number; started: number; last: number }>()
    return {
      send,
      finish: (data) => {
        if (started) publish(data)
      },
      layers: (layers) => layers.forEach((l, i) => index.set(l.digest, i)),
      bytes: (d, n, done) => {
        const now = Date.now()
        const c = counters.get(d.digest) ?? { bytes: 0, started: now, last: 0 }
        counters.set(d.digest, c)
        c.bytes += n
        if (!done && now - c.last < INTERVAL_MS) return
        c.last = now
        const seconds = Math.max((now - c.started) / 1000, 0.001)
        const i = index.get(d.digest)
        if (i === undefined) return
        send({ phase: "download", index: i, digest: d.digest, size: d.size, bytes: c.bytes, rate: Math.round(c.bytes / seconds), done })
      },
      pull: (e) => {
        if (e.type === "resolved") hold({ phase: "resolved", digest: e.digest, platform: e.platform, layers: e.layers, bytes: e.bytes })
        // The image's running totals: what keeps a long unpack (the download long over) alive for the watchdog.
        else if (e.type === "unpack") send({ phase: "unpack", index: e.index, digest: e.digest, entries: e.entries, bytes: e.bytes })
        else {
          ;(e.state === "cached" ? hold : send)({
            phase: "layer",
            index: e.index,
            digest: e.digest,
            size: e.size,
            state: e.state,
            ...(e.bytes !== undefined ? { bytes: e.bytes } : {})
          })
        }
      },
      flush: Effect.promise(() => chain)
    }
  })
}

/** The client with its blob reads counted into `reporter` (layers only; configs are small). */
export function countingClient(client: RegistryClient, reporter: Reporter): RegistryClient {
  return {
    ...client,
    readBlob: (repo, descriptor, signal) => counted(client.readBlob(repo, descriptor, signal), descriptor, reporter)
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, d: Descriptor, reporter: Reporter): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    reporter.bytes(d, chunk.length, false)
    yield chunk
  }
  reporter.bytes(d, 0, true)
}
