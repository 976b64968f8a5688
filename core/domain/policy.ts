/**
 * @module
 * The policy bundle (DESIGN §6) and the decisions profiles make under it.
 * Core owns only the keys that are about the engine itself — `profile`,
 * `allowed_local_roots` (what any source may read from the host) and
 * `overrides` (what the permissive profile lets runs do); every other key
 * is a plugin's section (`Contributions.policy`), and the Schema of the
 * whole file is assembled from them (`policySchema`).
 */
import * as Schema from "effect/Schema"

/**
 * Core's policy keys, as Schema fields.
 *
 * @since 0.2.0
 * @category models
 */
export const corePolicyFields = {
  profile: Schema.optional(Schema.String),
  /** Directories on the host that sources may read from (default: the working directory). */
  allowed_local_roots: Schema.optional(Schema.Array(Schema.String)),
  overrides: Schema.optional(Schema.Struct({
    network: Schema.optional(Schema.Array(Schema.Literal("none", "host"))),
    rootfs_writable: Schema.optional(Schema.Boolean),
    env_inheritance: Schema.optional(Schema.Boolean)
  }))
}

/**
 * Core's part of the policy file, decoded.
 *
 * @since 0.2.0
 * @category models
 */
export const CorePolicy = Schema.Struct(corePolicyFields)

/**
 * The policy file, decoded with the assembled Schema: core's keys typed,
 * plugins' sections as their plugins decoded them (a plugin reads its own
 * section, e.g. with `Schema.decodeUnknownSync(Schema.Struct(mySection))(policy)`,
 * or through the typed value its section decoded to).
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = typeof CorePolicy.Type & { readonly [section: string]: unknown }

/**
 * The outcome of one policy question, journaled as a `policy.decision` event.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decision {
  readonly decision: "allow" | "warn" | "deny"
  readonly subject: string
  readonly code: string
  readonly reason: string
  readonly profile?: string
}

/**
 * What a profile lets a run do.
 *
 * @since 0.1.0
 * @category models
 */
export interface RuntimeSettings {
  /** Network access inside a sandbox. */
  readonly network: boolean
  /** Whether the host environment is passed to jobs (else PATH only). */
  readonly inheritEnv: boolean
  /** Whether a sandbox rootfs is writable. */
  readonly rootfsWritable: boolean
}
