/**
 * @module
 * The spec of an `oci` source: `{ type, name, ref, trusted, pull_policy?,
 * platform?, semver? }`. The reference, platform and semver range are
 * checked while decoding, so a bad value is a field error on `ref`,
 * `platform` or `semver` before anything touches the network.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import semver from "semver"
import { SourceName } from "../../../core/mod.ts"
import { parseImageReferenceEither } from "../../oci/mod.ts"

/**
 * When the tag of an add-on is resolved again (DESIGN §5, `docs/oci-addons.md`).
 *
 * @since 0.1.0
 * @category models
 */
export const PullPolicy = Schema.Literal("on-add", "on-startup", "on-run", "always")
/** @since 0.1.0 @category models */
export type PullPolicy = typeof PullPolicy.Type

const Reference = Schema.NonEmptyString.pipe(
  Schema.filter((s) => {
    const parsed = parseImageReferenceEither(s)
    return Either.isRight(parsed) || (parsed.left.errors?.[0]?.message ?? "is not a valid image reference")
  })
)

const PlatformString = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?$/, {
    message: () => "must be os/architecture[/variant], e.g. linux/arm64"
  })
)

const SemverRange = Schema.NonEmptyString.pipe(
  Schema.filter((s) => semver.validRange(s) !== null || "is not a valid semver range (e.g. \">=1.2 <2\")")
)

/**
 * `{ type: "oci", name, ref, trusted, pull_policy?, platform?, semver? }`.
 * `semver` picks the highest tag of `ref`'s repository matching the range
 * (the tag in `ref` is then ignored); a digest-pinned `ref` cannot have one.
 *
 * @since 0.1.0
 * @category models
 */
export const OciSourceSpec = Schema.Struct({
  type: Schema.Literal("oci"),
  name: SourceName,
  ref: Reference,
  trusted: Schema.optional(Schema.Boolean),
  pull_policy: Schema.optional(PullPolicy),
  platform: Schema.optional(PlatformString),
  semver: Schema.optional(SemverRange)
}).annotations({ parseOptions: { onExcessProperty: "error" } }).pipe(
  Schema.filter((s) => {
    if (s.semver !== undefined && s.ref.includes("@")) {
      return { path: ["semver"], message: "cannot be combined with a digest-pinned ref" }
    }
    return true
  })
)
/** @since 0.1.0 @category models */
export type OciSourceSpec = typeof OciSourceSpec.Type

/** The pull policy of a spec, `on-add` when none is given. @since 0.1.0 @category utils */
export function pullPolicyOf(spec: OciSourceSpec): PullPolicy {
  return spec.pull_policy ?? "on-add"
}
