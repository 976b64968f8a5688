/**
 * @module
 * The Schema of `flwd.yaml`: engine settings, server settings, plugins and
 * declared sources. Unknown keys are errors naming the key, so a typo
 * never becomes a silent default.
 */
import { parseDuration, Schema } from "../core/mod.ts"
import { scopes } from "./api-scopes.ts"

const Path = Schema.String.pipe(Schema.filter((s) => s.trim() !== "" || "must be a non-empty path"))

const Bind = Schema.String.pipe(
  Schema.filter((s) => /^(?:(?:\[[0-9A-Fa-f:.]+\]|[^:[\]\s]*)(?::\d{1,5})?|\d{1,5})$/.test(s.trim()) || "must be HOST:PORT (e.g. 127.0.0.1:8080)")
)

const Duration = Schema.Union(Schema.String, Schema.Number).pipe(
  Schema.filter((d) => parseDuration(d) !== undefined || "must be a duration such as 30s, 2m or 500ms")
)

const Scope = Schema.Literal(...scopes, "*")

/**
 * A server token: the token itself, or its SHA-256 (hex), so the file
 * need not hold the secret; with the scopes it grants (`*` for all).
 *
 * @since 0.1.0
 * @category models
 */
export const ConfigToken = Schema.Struct({
  token: Schema.optional(Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))),
  token_sha256: Schema.optional(Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/, { message: () => "must be 64 lowercase hex digits" }))),
  scopes: Schema.Array(Scope).pipe(Schema.minItems(1, { message: () => "must name at least one scope (or *)" }))
}).pipe(
  Schema.filter((t) =>
    t.token === undefined && t.token_sha256 === undefined
      ? { path: ["token"], message: "give token or token_sha256" }
      : t.token !== undefined && t.token_sha256 !== undefined
      ? { path: ["token_sha256"], message: "give token or token_sha256, not both" }
      : true
  )
)
/** @since 0.1.0 @category models */
export type ConfigToken = typeof ConfigToken.Type

/**
 * A declared source: `type`, `name` and the fields of its plugin's spec,
 * checked against that plugin once plugins are loaded.
 *
 * @since 0.1.0
 * @category models
 */
export const DeclaredSource = Schema.Struct(
  { type: Schema.String, name: Schema.String },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
/** @since 0.1.0 @category models */
export type DeclaredSource = typeof DeclaredSource.Type

/**
 * `flwd.yaml`. Relative paths resolve against the file's directory.
 *
 * @since 0.1.0
 * @category models
 */
export const FlwdConfig = Schema.Struct({
  /** Data directory. */
  data_dir: Schema.optional(Path),
  /** Where `:serve` listens. */
  bind: Schema.optional(Bind),
  /** Host names `:serve` answers besides loopback ones (a proxy's); checked by the server. */
  allowed_hosts: Schema.optional(Schema.Array(Schema.String)),
  /** Whether `:serve` serves the web console at `/ui` (default true); `--no-ui` overrides it. */
  ui: Schema.optional(Schema.Boolean),
  /** Default security profile. */
  profile: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  /** Policy file. */
  policy: Schema.optional(Path),
  /** Root job tree. */
  root: Schema.optional(Path),
  /** Where the state is kept: `sqlite` (default) or a `postgres://` URL; checked when the engine starts. */
  store: Schema.optional(Schema.String),
  /** How long a server on a shared store is taken for alive after its last lease renewal; checked when the engine starts. */
  node_lease: Schema.optional(Duration),
  /** Server tokens, in addition to `FLWD_TOKENS`. */
  tokens: Schema.optional(Schema.Array(ConfigToken)),
  /** Plugin modules: paths (relative to this file) or package names. */
  plugins: Schema.optional(Schema.Array(Path)),
  /** How long a source plugin call may go without progress. */
  plugin_timeout: Schema.optional(Duration),
  /** Sources reconciled at every start. */
  sources: Schema.optional(Schema.Array(DeclaredSource))
})
/** @since 0.1.0 @category models */
export type FlwdConfig = typeof FlwdConfig.Type
