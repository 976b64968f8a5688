/**
 * @module
 * The policy bundle (DESIGN §6) and the decisions profiles make under it.
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category models */
export const SignatureMode = Schema.Literal("required", "permissive", "disabled")
/** @since 0.1.0 @category models */
export type SignatureMode = typeof SignatureMode.Type

/**
 * The policy file, decoded. Unknown keys are rejected by the loader.
 *
 * @since 0.1.0
 * @category models
 */
export const Policy = Schema.Struct({
  profile: Schema.optional(Schema.String),
  verify_signatures: Schema.optional(SignatureMode),
  allowed_registries: Schema.optional(Schema.Array(Schema.String)),
  insecure_registries: Schema.optional(Schema.Array(Schema.String)),
  /** Hosts (`host` or `host:port`) an add-on's blob downloads may be redirected to besides admitted registries. */
  blob_hosts: Schema.optional(Schema.Array(Schema.String)),
  /** Longest one pull of an add-on may take: a duration (`120s`, `5m`) or seconds. Default 120s. */
  pull_timeout: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  allowed_local_roots: Schema.optional(Schema.Array(Schema.String)),
  /** Where git sources may clone from: hosts (`host` or `host:port`) and local repository directories (default: `allowed_local_roots`). */
  git: Schema.optional(Schema.Struct({
    allowed_hosts: Schema.optional(Schema.Array(Schema.String)),
    allowed_paths: Schema.optional(Schema.Array(Schema.String))
  })),
  trust: Schema.optional(Schema.Struct({
    keys: Schema.optional(Schema.Array(Schema.Struct({
      name: Schema.String,
      path: Schema.optional(Schema.String),
      pem: Schema.optional(Schema.String)
    }))),
    keyless: Schema.optional(Schema.Array(Schema.Struct({
      issuer: Schema.String,
      subject: Schema.optional(Schema.String),
      subject_regexp: Schema.optional(Schema.String)
    }))),
    trusted_root: Schema.optional(Schema.String)
  })),
  ceilings: Schema.optional(Schema.Struct({
    cpu: Schema.optional(Schema.String),
    memory: Schema.optional(Schema.String),
    timeout: Schema.optional(Schema.String),
    /** Processes (threads included) of one sandboxed run at once. Default 512. */
    pids: Schema.optional(Schema.Number),
    /** Size of a sandboxed run's `/tmp` (a tmpfs). Default 256Mi. */
    tmp: Schema.optional(Schema.String)
  })),
  overrides: Schema.optional(Schema.Struct({
    network: Schema.optional(Schema.Array(Schema.Literal("none", "host"))),
    rootfs_writable: Schema.optional(Schema.Boolean),
    env_inheritance: Schema.optional(Schema.Boolean)
  }))
})
/** @since 0.1.0 @category models */
export type Policy = typeof Policy.Type

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
