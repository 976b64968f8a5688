/**
 * @module
 * The git source plugin's section of the policy file: `git.allowed_hosts`
 * and `git.allowed_paths` (format as `docs/security.md` documents it).
 */
import { type Policy, Schema } from "../../../core/mod.ts"

/**
 * The git plugin's policy keys, as Schema fields.
 *
 * @since 0.2.0
 * @category models
 */
export const gitPolicyFields = {
  /** Where git sources may clone from: hosts (`host` or `host:port`) and local repository directories (default: `allowed_local_roots`). */
  git: Schema.optional(Schema.Struct({
    allowed_hosts: Schema.optional(Schema.Array(Schema.String)),
    allowed_paths: Schema.optional(Schema.Array(Schema.String))
  }))
}

/** @since 0.2.0 @category models */
export const GitPolicySection = Schema.Struct(gitPolicyFields)

const decodeSection = Schema.decodeUnknownSync(GitPolicySection)

/**
 * The git section of `policy`, typed (decoded again: a policy given as a
 * plain value by an embedder is checked the same way as a file).
 *
 * @since 0.2.0
 * @category utils
 */
export function gitPolicyOf(policy: Policy): typeof GitPolicySection.Type {
  return decodeSection(policy)
}
