#!/usr/bin/env node
/**
 * @module
 * Serving flwd: `flwd :serve` (through `cli/commands/serve.ts`) and this
 * file run directly (`node server/main.ts`, `deno run -A server/main.ts`)
 * share `runServe`. It prints `flwd listening on http://HOST:PORT` once
 * listening and shuts down gracefully on SIGTERM/SIGINT: a second signal
 * stops waiting for runs (they are canceled at once), and the exit status is
 * 0 either way unless the shutdown itself failed.
 */
import process from "node:process"
import { parseArgs } from "node:util"
import { codeOf, isProblem, parseDuration, ValidationError } from "../core/mod.ts"
import type { EngineHandle } from "../engine/handle.ts"
import type { EngineOptions } from "../engine/options.ts"
import type { TokenGrant } from "./auth/tokens.ts"
import { startGcSweep } from "./gc-sweep.ts"
import { startHeapCompaction } from "./heap-compaction.ts"
import { makeLogger, parseLogFormat } from "./logger.ts"
import { parseAllowedHosts } from "./middleware/host-check.ts"
import { checkDevBind, DEFAULT_BIND, DEFAULT_GRACE_MS, parseBind, startServer } from "./serve.ts"
import { markServing } from "../engine/serving.ts"

/** What `runServe` needs from its caller: flags already read, and the engine on demand. */
export interface ServeInput {
  /** `HOST:PORT`; default: the config file's `bind`, else `127.0.0.1:8080`. */
  readonly bind?: string
  readonly dev?: boolean
  /** How long to wait for runs at shutdown (`10s`, `500ms`); default 10 s. */
  readonly grace?: string
  /** Largest request body in bytes; default 1 MiB. */
  readonly bodyLimit?: string
  /** How long a client may take to send a request (`30s`); default 30 s. */
  readonly readTimeout?: string
  /** Host names answered besides loopback ones; default: the config file's `allowed_hosts`, else none. */
  readonly allowedHosts?: ReadonlyArray<string>
  /** Time between sweeps of unreferenced add-ons and blobs (`6h`); `0` disables; default 6 h. */
  readonly gcInterval?: string
  /** Serve the web console at `/ui`; default: the config file's `ui`, else true. `--no-ui` is false. */
  readonly ui?: boolean
  /** The log's format on stderr: `text` (warnings and failures) or `json` (every request too); default `text`. */
  readonly log?: string
  /** An OTLP/HTTP collector's base URL for traces; beats `OTEL_EXPORTER_OTLP_*`. Default: those variables, else no tracing. */
  readonly otlpEndpoint?: string
  readonly engine: () => Promise<EngineHandle>
}

/** The process around the server: output lines and signals. */
export interface ServeIO {
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. */
  readonly onSignal: (handler: (signal: string) => void) => () => void
}

function grace(text: string | undefined): number {
  if (text === undefined) return DEFAULT_GRACE_MS
  const ms = parseDuration(text)
  if (ms === undefined) {
    throw new ValidationError({
      code: "validation.failed",
      detail: "--grace must be a duration such as 10s or 500ms",
      errors: [{ path: "--grace", message: "must be a duration" }]
    })
  }
  return ms
}

function readTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDuration(text)
  if (ms === undefined || ms < 1) {
    throw new ValidationError({
      code: "validation.failed",
      detail: "--read-timeout must be a positive duration such as 30s",
      errors: [{ path: "--read-timeout", message: "must be a positive duration" }]
    })
  }
  return ms
}

function gcInterval(text: string | undefined): number {
  if (text === undefined) return DEFAULT_GC_INTERVAL_MS
  const ms = parseDuration(text)
  if (ms === undefined) {
    throw new ValidationError({
      code: "validation.failed",
      detail: "--gc-interval must be a duration such as 6h, or 0 to disable",
      errors: [{ path: "--gc-interval", message: "must be a duration" }]
    })
  }
  return ms
}

function otlpTracesUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : null
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ValidationError({
      code: "validation.failed",
      detail: "--otlp-endpoint must be an http(s) URL such as http://127.0.0.1:4318",
      errors: [{ path: "--otlp-endpoint", message: "must be an http(s) URL" }]
    })
  }
  return `${text.replace(/\/+$/, "")}/v1/traces`
}

/** Sweeps of unreferenced add-ons run this often unless told otherwise. */
const DEFAULT_GC_INTERVAL_MS = 6 * 60 * 60 * 1000

function bytes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d{1,12}$/.test(text) || Number(text) < 1) {
    throw new ValidationError({
      code: "validation.failed",
      detail: "--body-limit must be a positive number of bytes",
      errors: [{ path: "--body-limit", message: "must be a byte count" }]
    })
  }
  return Number(text)
}

/**
 * Serves until a signal, then shuts down; resolves to the exit status.
 * Flag problems are thrown (as `validation.failed`) before the engine starts.
 *
 * @since 0.1.0
 * @category entrypoints
 */
export async function runServe(input: ServeInput, io: ServeIO): Promise<number> {
  const dev = input.dev ?? false
  // A --bind flag is checked before the engine starts; the config file's once it is read.
  if (input.bind !== undefined) checkDevBind(parseBind(input.bind), dev)
  const graceMs = grace(input.grace)
  const bodyLimit = bytes(input.bodyLimit)
  const readTimeoutMs = readTimeout(input.readTimeout)
  const sweepEvery = gcInterval(input.gcInterval)
  const logger = makeLogger(parseLogFormat(input.log), io.stderr)
  // The engine reads the OpenTelemetry variables when it starts (below), so the flag is passed as the one that wins.
  if (input.otlpEndpoint !== undefined) process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = otlpTracesUrl(input.otlpEndpoint)
  const hostFlags = input.allowedHosts !== undefined && input.allowedHosts.length > 0 ? input.allowedHosts : undefined
  if (hostFlags !== undefined) parseAllowedHosts(hostFlags, "--allowed-host")
  const engine = await input.engine()
  const file = engine.config?.config
  for (const f of engine.reconciled?.failed ?? []) io.stderr(`flwd: declared source ${f.name} is not loaded: ${f.code}: ${f.detail}`)
  const tokens: ReadonlyArray<TokenGrant> = (file?.tokens ?? []).map((t) =>
    t.token !== undefined ? { token: t.token, scopes: t.scopes } : { token_sha256: t.token_sha256!, scopes: t.scopes }
  )
  const server = await Promise.resolve().then(() => {
    const address = parseBind(input.bind ?? file?.bind ?? DEFAULT_BIND)
    checkDevBind(address, dev)
    // Flags replace the file's list, as --bind replaces its bind.
    const allowedHosts = hostFlags ?? file?.allowed_hosts
    if (hostFlags === undefined && allowedHosts !== undefined) parseAllowedHosts(allowedHosts, "allowed_hosts")
    return startServer(engine, {
      address,
      dev,
      graceMs,
      app: {
        ...(bodyLimit !== undefined ? { bodyLimit } : {}),
        ...(readTimeoutMs !== undefined ? { readTimeoutMs } : {}),
        ...(tokens.length > 0 ? { tokens } : {}),
        ...(allowedHosts !== undefined ? { allowedHosts } : {}),
        ui: input.ui ?? file?.ui ?? true,
        logger
      },
      log: io.stderr
    })
  }).catch(async (e: unknown) => {
    // A port in use, say: close the engine before reporting it.
    await engine.dispose().catch(() => undefined)
    throw e
  })
  const stopCompacting = await startHeapCompaction()
  io.stdout(`flwd listening on ${server.url}`)
  // A CLI starting its own engine on this data directory reads it and suggests --remote.
  const unmark = markServing(engine.settings.dataDir, server.url)
  if (dev) io.stderr("flwd: --dev: every scope with `Authorization: Bearer dev-token` (loopback only)")
  const stopSweeping = startGcSweep(engine, sweepEvery, io.stderr)
  let failed = false
  await new Promise<void>((resolve) => {
    let signals = 0
    const off = io.onSignal((signal) => {
      signals++
      if (signals === 1) {
        io.stderr(`flwd: ${signal}: shutting down (waiting up to ${graceMs} ms for runs; send again to stop waiting)`)
        stopSweeping()
        stopCompacting()
        unmark()
        server.shutdown().then(() => {
          off()
          resolve()
        }, (e) => {
          io.stderr(`flwd: shutdown failed: ${e instanceof Error ? e.message : String(e)}`)
          failed = true
          off()
          resolve()
        })
      } else {
        // Not an exit: the runs still have to be canceled and recorded, which
        // takes at most the kill grace period.
        void server.shutdown({ force: true })
      }
    })
  })
  io.stderr("flwd: stopped")
  return failed ? 1 : 0
}

/**
 * SIGINT and SIGTERM of this process, for `ServeIO.onSignal`. While the
 * handler is installed, no signal ends the process by itself: the server
 * decides when it is done (see `runServe`).
 *
 * @since 0.1.0
 * @category entrypoints
 */
export function processSignals(handler: (signal: string) => void): () => void {
  const on = (s: NodeJS.Signals) => () => handler(s)
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, on(s)] as const)
  for (const [s, l] of listeners) process.on(s, l)
  return () => {
    for (const [s, l] of listeners) process.off(s, l)
  }
}

const flags = {
  bind: { type: "string" },
  dev: { type: "boolean" },
  grace: { type: "string" },
  "body-limit": { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  "read-timeout": { type: "string" },
  "gc-interval": { type: "string" },
  "node-lease": { type: "string" },
  store: { type: "string" },
  "no-ui": { type: "boolean" },
  log: { type: "string" },
  "otlp-endpoint": { type: "string" },
  root: { type: "string" },
  "data-dir": { type: "string" },
  profile: { type: "string" },
  policy: { type: "string" },
  config: { type: "string" },
  plugin: { type: "string", multiple: true }
} as const

/** Runs the server as a program; resolves to the exit status. */
export async function main(argv: ReadonlyArray<string>): Promise<number> {
  const io: ServeIO = {
    stdout: (line) => void process.stdout.write(`${line}\n`),
    stderr: (line) => void process.stderr.write(`${line}\n`),
    onSignal: processSignals
  }
  try {
    const { values } = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false })
    const options: EngineOptions = {
      ...(values.root !== undefined ? { root: values.root } : {}),
      ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
      ...(values.profile !== undefined ? { profile: values.profile } : {}),
      ...(values.policy !== undefined ? { policyFile: values.policy } : {}),
      ...(values.config !== undefined ? { config: values.config } : {}),
      ...(values.plugin !== undefined ? { pluginModules: values.plugin } : {}),
      ...(values.store !== undefined ? { store: values.store } : {}),
      ...(values["node-lease"] !== undefined ? { nodeLease: values["node-lease"] } : {}),
      claimsQueuedRuns: true
    }
    return await runServe({
      bind: values.bind,
      dev: values.dev,
      grace: values.grace,
      bodyLimit: values["body-limit"],
      allowedHosts: values["allowed-host"],
      readTimeout: values["read-timeout"],
      gcInterval: values["gc-interval"],
      ...(values["no-ui"] === true ? { ui: false } : {}),
      log: values.log,
      otlpEndpoint: values["otlp-endpoint"],
      engine: () => import("../engine/create-engine.ts").then((m) => m.createEngine(options))
    }, io)
  } catch (e) {
    io.stderr(`flwd: ${isProblem(e) ? `${e.code}: ${e.detail}` : e instanceof Error ? e.message : String(e)}`)
    if (isProblem(e)) { for (const f of e.errors ?? []) io.stderr(`  ${f.path}: ${f.message}`) }
    // Usage mistakes exit 2 (as the CLI does); anything else, such as a port in use, 1.
    const code = codeOf(e)
    return code === "validation.failed" || (code !== undefined && code.startsWith("ERR_PARSE_ARGS")) ? 2 : 1
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)))
