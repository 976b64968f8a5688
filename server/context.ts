/**
 * @module
 * What the routes share: the Hono environment (per-request variables) and
 * the dependencies each resource's sub-app is built from.
 */
import type { EngineHandle } from "../engine/handle.ts"
import type { Scope, TokenTable } from "./auth/tokens.ts"
import type { Metrics } from "./metrics.ts"
import type { StreamHub } from "./sse.ts"

/**
 * A console session (`server/ui/session.ts`): what signing in with a token
 * gives a browser. It holds the token's scopes, never the token.
 */
export interface Session {
  /** 32 random bytes, base64url: the `flwd_session` cookie's value. */
  readonly id: string
  readonly scopes: ReadonlySet<Scope>
  /** Sent back by the console as `x-csrf-token` or the `_csrf` form field. */
  readonly csrf: string
  /** Epoch ms after which the session is gone. */
  readonly expires: number
}

/** Console sessions, held in the server's memory (a restart signs everyone out). */
export interface SessionStore {
  readonly create: (scopes: ReadonlySet<Scope>) => Session
  /** The live session with this id, or undefined (unknown or expired). */
  readonly get: (id: string) => Session | undefined
  readonly delete: (id: string) => void
  readonly size: () => number
}

/** Per-request values set by middleware. */
export interface AppVariables {
  /** Scopes of the caller's token; empty on open routes. */
  scopes: ReadonlySet<Scope>
  /** The console session named by the request's cookie, if any and live. */
  session: Session | undefined
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
  readonly draining: AbortSignal | undefined /** Where unexpected errors are logged. */
  readonly log: (message: string) => void
}

/** What a route module is built from. */
export interface Deps {
  readonly engine: EngineHandle
  readonly tokens: TokenTable
  readonly settings: AppSettings
  readonly metrics: Metrics
  readonly streams: StreamHub
  readonly sessions: SessionStore
}
