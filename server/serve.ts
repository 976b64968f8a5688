/**
 * @module
 * Serving the app on this runtime, and shutting down gracefully: stop
 * accepting, let queued and running runs finish within a grace period (so
 * event streams see their terminal events), end the remaining streams,
 * then dispose the engine, which cancels what still runs. No run is left
 * `running`.
 */
import { Effect, ValidationError } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"
import type { Listen, Listener } from "./adapters/types.ts"
import { type AppOptions, createApp } from "./app.ts"
import { DEFAULT_READ_TIMEOUT_MS } from "./middleware/body-limit.ts"
import { call } from "./engine-call.ts"
import { isLoopback } from "./loopback.ts"

export { isLoopback } from "./loopback.ts"

/** The default bind: loopback, port 8080. */
export const DEFAULT_BIND = "127.0.0.1:8080"

/** The default grace period for runs at shutdown: 10 s. */
export const DEFAULT_GRACE_MS = 10_000

/** @since 0.1.0 @category models */
export interface Address {
  readonly hostname: string
  readonly port: number
}

const invalid = (detail: string, path: string, message: string) => new ValidationError({ code: "validation.failed", detail, errors: [{ path, message }] })

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (loopback) or `PORT`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseBind(text: string): Address {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(text.trim())
  const bare = /^\d{1,5}$/.test(text.trim())
  const hostname = bare ? "127.0.0.1" : m?.[1] ?? (m?.[2] === "" ? "127.0.0.1" : m?.[2])
  const port = Number(bare ? text.trim() : m?.[3])
  if (hostname === undefined || m === null && !bare || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid(`--bind must be HOST:PORT (e.g. ${DEFAULT_BIND}; port 0 picks a free one)`, "--bind", "must be HOST:PORT")
  }
  return { hostname, port }
}

/**
 * Checks a bind for `--dev`, whose token is public knowledge: loopback only.
 *
 * @since 0.1.0
 * @category constructors
 */
export function checkDevBind(address: Address, dev: boolean): void {
  if (dev && !isLoopback(address.hostname)) {
    throw invalid(
      `--dev issues the well-known dev-token and only binds to loopback; use --bind 127.0.0.1:${address.port}, or drop --dev and set FLWD_TOKENS`,
      "--bind",
      "must be a loopback address with --dev"
    )
  }
}

/** @since 0.1.0 @category models */
export interface ServeOptions {
  readonly address: Address
  /** Issue `dev-token` (loopback only). Default false. */
  readonly dev?: boolean
  /** How long shutdown waits for runs. Default 10 s. */
  readonly graceMs?: number
  /** Further app options (tokens, body limit, read timeout, heartbeat). */
  readonly app?: Omit<AppOptions, "dev" | "loopback" | "signal">
  /** Notes for the operator (shutdown progress). Default: stderr. */
  readonly log?: (message: string) => void
}

/** @since 0.1.0 @category models */
export interface RunningServer {
  /** `http://HOST:PORT` with the real port. */
  readonly url: string
  /**
   * Shuts down; `force` skips waiting for runs (a second signal).
   * Resolves once the engine is disposed; later calls share the first.
   */
  readonly shutdown: (options?: { readonly force?: boolean }) => Promise<void>
}

async function adapter(): Promise<Listen> {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
  return isDeno ? (await import("./adapters/deno.ts")).listen : (await import("./adapters/node.ts")).listen
}

/**
 * Serves the app for `engine` and returns once it listens.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function startServer(engine: EngineHandle, options: ServeOptions): Promise<RunningServer> {
  const dev = options.dev ?? false
  checkDevBind(options.address, dev)
  const log = options.log ?? ((m: string) => console.error(m))
  const streams = new AbortController()
  const draining = new AbortController()
  const app = createApp(engine, {
    ...options.app,
    dev,
    loopback: isLoopback(options.address.hostname),
    signal: streams.signal,
    draining: draining.signal
  })
  // The runtime bounds headers and body too (where it can), with the app's read timeout.
  const readTimeoutMs = options.app?.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
  const listener: Listener = await (await adapter())(app.fetch, options.address, { readTimeoutMs })
  const host = listener.hostname.includes(":") ? `[${listener.hostname}]` : listener.hostname
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS

  let force: () => void = () => undefined
  const forced = new Promise<void>((resolve) => (force = resolve))
  let done: Promise<void> | undefined
  const sequence = async () => {
    draining.abort()
    const stopped = listener.stop()
    const idle = call(engine, (e) => e.awaitIdle.pipe(Effect.timeoutOption(graceMs)))
    const outcome = await Promise.race([idle.then((o) => (o._tag === "Some" ? "idle" : "grace")), forced.then(() => "forced")])
    if (outcome !== "idle") {
      log(`flwd: runs still active after ${outcome === "forced" ? "a second signal" : `${graceMs} ms`}; canceling them`)
    }
    // Run streams have ended with their runs; the rest (global /events) end now.
    streams.abort()
    let timer: ReturnType<typeof setTimeout> | undefined
    const closed = await Promise.race([stopped.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 1000)))])
    clearTimeout(timer)
    if (!closed) listener.drop()
    await engine.dispose()
  }
  return {
    url: `http://${host}:${listener.port}`,
    shutdown: (o) => {
      if (o?.force === true) force()
      return done ??= sequence()
    }
  }
}
