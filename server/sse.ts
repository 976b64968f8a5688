/**
 * @module
 * Streaming engine events to clients as Server-Sent Events (or NDJSON).
 * Each engine Stream is pulled through a `ReadableStream` with
 * backpressure, so a slow client holds at most one chunk and never slows a
 * run down. A client that goes away cancels the response body (both the
 * Node adapter and `Deno.serve` do), which ends its stream and only the
 * stream: runs are unaffected. The app's signal ends them all. One timer
 * per app sends the `: ping` heartbeat to every open SSE stream, rather
 * than a fiber per client.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import type { Engine, RunEvent } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"
import { toProblem } from "./problem.ts"

/** @since 0.1.0 @category models */
export type StreamFormat = "sse" | "ndjson"

/** One event as an SSE frame: the id resumes, the event name is the type. */
export function sseFrame(event: RunEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** The query's `format` (or an NDJSON-only `Accept`), else SSE. */
export function streamFormat(query: string | undefined, accept: string | undefined): StreamFormat {
  if (query === "ndjson") return "ndjson"
  if (query === undefined && accept !== undefined && accept.includes("application/x-ndjson") && !accept.includes("text/event-stream")) {
    return "ndjson"
  }
  return "sse"
}

/** @since 0.1.0 @category models */
export interface OpenOptions {
  readonly format: StreamFormat
  /** A HEAD request gets the headers only, and no stream is opened. */
  readonly head: boolean
  /** The request path, for the problem document of a failure mid-stream. */
  readonly instance: string
}

/**
 * The open event streams of one app.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamHub {
  /** A streaming response over `events` (a Stream needing the Engine). */
  readonly open: <E>(events: Stream.Stream<RunEvent, E, Engine>, options: OpenOptions) => Promise<Response>
  /** How many streams are open. */
  readonly size: () => number
}

interface OpenStream {
  readonly sse: boolean
  readonly controller: ReadableStreamDefaultController<Uint8Array>
  readonly close: () => void
}

const encoder = new TextEncoder()
const PING = encoder.encode(": ping\n\n")

/**
 * Creates the hub. `signal` (server shutdown) closes every stream.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeStreamHub(engine: EngineHandle, options: { readonly heartbeatMs: number; readonly signal: AbortSignal | undefined }): StreamHub {
  const open = new Set<OpenStream>()
  let timer: ReturnType<typeof setInterval> | undefined

  const beat = () => {
    for (const s of open) {
      // A client that is not reading gets no more pings than it can buffer.
      if (s.sse && (s.controller.desiredSize ?? 0) > 0) s.controller.enqueue(PING)
    }
  }
  const track = (entry: OpenStream) => {
    open.add(entry)
    if (timer === undefined) {
      timer = setInterval(beat, options.heartbeatMs) // The heartbeat alone never keeps a process alive.
      ;(timer as { unref?: () => void }).unref?.()
    }
  }
  const untrack = (entry: OpenStream) => {
    open.delete(entry)
    if (open.size === 0 && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    }
  }
  options.signal?.addEventListener("abort", () => {
    for (const s of [...open]) s.close()
  }, { once: true })

  return {
    size: () => open.size,
    open: async (events, o) => {
      const sse = o.format === "sse"
      const headers = {
        "content-type": sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "cache-control": "no-store",
        // Proxies such as nginx would otherwise buffer the stream.
        "x-accel-buffering": "no"
      }
      if (o.head) return new Response(null, { status: 200, headers })
      const runtime = engine.runtime
      const format = sse ? sseFrame : (e: RunEvent) => `${JSON.stringify(e)}\n`
      const failed = (error: unknown) => {
        const problem = toProblem(error, o.instance)
        return sse ? `event: error\ndata: ${JSON.stringify(problem)}\n\n` : `${JSON.stringify({ type: "error", problem })}\n`
      }
      // One write per chunk of events: a page of the journal is one write.
      const bytes = events.pipe(
        Stream.mapChunks((chunk) => Chunk.of(Chunk.join(Chunk.map(chunk, format), ""))),
        Stream.catchAllCause((cause) => Stream.make(failed(Cause.squash(cause)))),
        Stream.map((text) => encoder.encode(text))
      )
      const inner = Stream.toReadableStreamRuntime(bytes, runtime).getReader()
      let entry: OpenStream | undefined
      let closed = false
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const close = () => {
            if (closed) return
            closed = true
            untrack(entry!)
            void inner.cancel().catch(() => undefined)
            try {
              controller.close()
            } catch {
              // already closed or errored
            }
          }
          entry = { sse, controller, close }
          if (options.signal?.aborted === true) {
            close()
            return
          }
          track(entry)
          // Sent at once, so a client knows the stream is open before any event.
          if (sse) controller.enqueue(PING)
        },
        async pull(controller) {
          try {
            const { done, value } = await inner.read()
            if (closed) return
            if (done) entry!.close()
            else controller.enqueue(value)
          } catch {
            // The engine went away (shutdown): end the stream cleanly.
            entry!.close()
          }
        },
        cancel() {
          entry?.close()
        }
      })
      return new Response(body, { status: 200, headers })
    }
  }
}
