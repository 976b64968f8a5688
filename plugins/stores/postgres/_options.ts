/**
 * @module
 * The store's options, checked before anything connects: a bad URL or
 * schema name is a `config.invalid` problem naming the field, and the
 * password in a URL never reaches a message.
 */
import { StoreError } from "../../../core/mod.ts"

/** Lower-case SQL identifiers only, so the name needs no quoting anywhere. */
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/

/** The default schema: flwd's tables stay apart from anything else in the database. */
export const DEFAULT_SCHEMA = "flwd"

/**
 * The default lease: an engine that stops renewing it is taken for dead
 * after this long, and the others settle its runs within a third more
 * (they reap every third of the lease), 20 s in all.
 */
export const DEFAULT_LEASE_MS = 15_000

/** The options once checked. */
export interface Checked {
  readonly url: string
  readonly schema: string
  readonly leaseMs: number
}

/** `url` with its password replaced, for messages. */
export function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/?#]*):[^@/?#]*@/i, "$1:***@")
}

function invalid(path: string, message: string): StoreError {
  return new StoreError({ code: "config.invalid", detail: `${path}: ${message}`, errors: [{ path, message }] })
}

/** The options, or the first problem with them. */
export function check(options: { readonly url: unknown; readonly schema?: unknown; readonly leaseMs?: unknown }): Checked | StoreError {
  const { url } = options
  if (typeof url !== "string" || !/^postgres(?:ql)?:\/\//i.test(url)) {
    return invalid("url", "must be a postgres:// or postgresql:// URL")
  }
  // Bounded: a connection string has no business being long.
  if (url.length > 2048) return invalid("url", "must be at most 2048 characters")
  let parsed: URL
  try {
    // Parsed here only to check it (the driver reads it again): the host
    // part is set aside, since libpq allows lists of hosts there.
    parsed = new URL(url.replace(/^postgres(?:ql)?:\/\/[^/?#]*/i, "postgres://host"))
  } catch {
    return invalid("url", "is not a valid URL")
  }
  // The driver sends unknown query parameters as settings, and this one
  // would point the store away from its own schema.
  if (parsed.searchParams.has("search_path")) return invalid("url", "must not set search_path: the schema option does")
  const schema = options.schema ?? DEFAULT_SCHEMA
  if (typeof schema !== "string" || !SCHEMA.test(schema)) {
    return invalid("schema", "must be a lower-case SQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters")
  }
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  if (typeof leaseMs !== "number" || !Number.isInteger(leaseMs) || leaseMs < 1000 || leaseMs > 3_600_000) {
    return invalid("leaseMs", "must be a whole number of milliseconds from 1000 to 3600000")
  }
  return { url, schema, leaseMs }
}
