/**
 * @module
 * The OCI source plugin's section of the policy file (its `policy`
 * contribution): which registries add-ons come from, how their blobs may
 * be redirected, how long a pull may take, and whose signatures are
 * trusted. The keys and their format are the ones `docs/security.md`
 * documents; only their owner moved from core to this plugin.
 */
import { type Policy, Schema } from "../../../core/mod.ts"
import { SignatureMode } from "./signature-mode-type.ts"

/**
 * The OCI plugin's policy keys, as Schema fields.
 *
 * @since 0.2.0
 * @category models
 */
export const ociPolicyFields = {
  verify_signatures: Schema.optional(SignatureMode),
  allowed_registries: Schema.optional(Schema.Array(Schema.String)),
  insecure_registries: Schema.optional(Schema.Array(Schema.String)),
  /** Hosts (`host` or `host:port`) an add-on's blob downloads may be redirected to besides admitted registries. */
  blob_hosts: Schema.optional(Schema.Array(Schema.String)),
  /** Longest one pull of an add-on may take: a duration (`120s`, `5m`) or seconds. Default 120s. */
  pull_timeout: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
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
  }))
}

/** @since 0.2.0 @category models */
export const OciPolicySection = Schema.Struct(ociPolicyFields)

/**
 * A policy with the OCI section typed: what this plugin, the trust library
 * and the authoring tools read.
 *
 * @since 0.2.0
 * @category models
 */
export type OciPolicy = Policy & typeof OciPolicySection.Type

const decodeSection = Schema.decodeUnknownSync(OciPolicySection)

/**
 * The policy with its OCI section typed. The engine decoded the whole file
 * with the assembled Schema already; this decodes the section again (keys
 * of other owners are ignored), so a policy given as a plain value by an
 * embedder or a test is checked the same way.
 *
 * @since 0.2.0
 * @category utils
 */
export function ociPolicyOf(policy: Policy): OciPolicy {
  return { ...policy, ...decodeSection(policy) }
}
