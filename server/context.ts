/**
 * @module
 * What the routes share: the Hono environment (per-request variables) and
 * the dependencies each resource's sub-app is built from.
 */
import type { EngineHandle } from "../create-engine.ts"
import type { Scope, TokenTable } from "./auth/tokens.ts"
import type { Metrics } from "./metrics.ts"
import type { StreamHub } from "./sse.ts"

/** Per-request values set by middleware. */
export interface AppVariables {
  /** Scopes of the caller's token; empty on open routes. */
  scopes: ReadonlySet<Scope>
  /** Set by the not-found handler so metrics label the route `unmatched`. */
  unmatched: boolean
}

/** The Hono environment of every flwd sub-app. */
export interface AppEnv {
  Variables: AppVariables
}

/** Resolved settings of one app. */
export interface AppSettings {
  readonly bodyLimit: number
  /** How long a request body may take to arrive, in ms. */
  readonly readTimeoutMs: number
  readonly heartbeatMs: number
  /** Whether the server listens on loopback only: `/metrics` is open then. */
  readonly loopback: boolean
  readonly version: string
  /** Aborted when the server shuts down: open event streams end. */
  readonly signal: AbortSignal | undefined
  /** Aborted when shutdown begins: new runs are refused. */
  readonly draining: AbortSignal | undefined
}

/** What a route module is built from. */
export interface Deps {
  readonly engine: EngineHandle
  readonly tokens: TokenTable
  readonly settings: AppSettings
  readonly metrics: Metrics
  readonly streams: StreamHub
}
