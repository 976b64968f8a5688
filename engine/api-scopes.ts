/**
 * @module
 * The scopes a server token can hold (DESIGN §7). They live here, beside
 * the Schema of `flwd.yaml` whose `tokens:` name them, so that reading a
 * config file needs no part of the HTTP server.
 */

/**
 * Every scope a token can hold.
 *
 * @since 0.1.0
 * @category models
 */
export const scopes = [
  "jobs:read",
  "runs:read",
  "runs:write",
  "sources:read",
  "sources:write",
  "events:read",
  "metrics:read",
  "policy:override"
] as const

/** @since 0.1.0 @category models */
export type Scope = typeof scopes[number]
