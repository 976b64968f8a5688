/**
 * @module
 * Which store an engine keeps its state in: SQLite in the data directory
 * (the default), or PostgreSQL for a `postgres://` URL. The value is checked
 * here, before anything is written, so a typo never falls back to another
 * store; the PostgreSQL plugin's own check of the URL is reused so that
 * both report the same problems.
 */
import { ConfigError } from "../core/mod.ts"
import { check } from "../plugins/stores/postgres/options/mod.ts"

/**
 * The store chosen: `sqlite` in the data directory, or the PostgreSQL
 * database at `url` (loaded only then).
 *
 * @since 0.2.0
 * @category models
 */
export type StoreChoice = { readonly kind: "sqlite" } | { readonly kind: "postgres"; readonly url: string }

function invalid(message: string, from: string): never {
  throw new ConfigError({ code: "config.invalid", detail: `store (${from}): ${message}`, errors: [{ path: "store", message }] })
}

/**
 * The store named by `value` (`--store`, `FLWD_STORE` or `store:`), where it
 * came from for messages. Absent, empty or `sqlite`: the default. Throws
 * `config.invalid` naming `store`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function chooseStore(value: unknown, from: string): StoreChoice {
  if (value === undefined || value === "" || value === "sqlite") return { kind: "sqlite" }
  if (typeof value !== "string") return invalid("must be sqlite or a postgres:// URL", from)
  if (!/^postgres(?:ql)?:\/\//i.test(value)) return invalid("must be sqlite or a postgres:// or postgresql:// URL", from)
  const checked = check({ url: value })
  if (!("url" in checked)) return invalid(checked.errors?.[0]?.message ?? checked.detail, from)
  return { kind: "postgres", url: checked.url }
}
