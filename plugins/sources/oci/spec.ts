/**
 * @module
 * The spec of an `oci` source: `{ type, name, ref, trusted, pull_policy?,
 * platform?, semver? }`. The reference is parsed once, while decoding, into
 * an `ImageReference` (keeping the text as written, which is what the spec
 * encodes back to): a bad value is a field error on `ref`, `platform` or
 * `semver` before anything touches the network, and nothing downstream
 * parses it again.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
// The range check alone: the whole semver package is dozens of modules every start would load.
import validRange from "semver/ranges/valid.js"
import { PullPolicy, SourceName } from "../../../core/mod.ts"
import { type ImageReference, parseImageReferenceEither } from "../../oci/reference/mod.ts"

/**
 * A parsed image reference and the text it was parsed from.
 *
 * @since 0.2.0
 * @category models
 */
export interface OciRef extends ImageReference {
  /** The reference as written in the spec (shown, stored, journaled). */
  readonly text: string
}

const OciRefType = Schema.declare(
  (u: unknown): u is OciRef => typeof u === "object" && u !== null && typeof (u as { text?: unknown }).text === "string",
  { identifier: "OciRef" }
)

/**
 * `ref`: a string in the spec, an `OciRef` once decoded.
 *
 * @since 0.2.0
 * @category models
 */
export const Reference = Schema.transformOrFail(Schema.NonEmptyString, OciRefType, {
  strict: true,
  decode: (text, _, ast) => {
    const parsed = parseImageReferenceEither(text)
    return Either.isRight(parsed)
      ? ParseResult.succeed({ ...parsed.right, text })
      : ParseResult.fail(new ParseResult.Type(ast, text, parsed.left.errors?.[0]?.message ?? "is not a valid image reference"))
  },
  encode: (ref) => ParseResult.succeed(ref.text)
})

const PlatformString = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?$/, {
    message: () => "must be os/architecture[/variant], e.g. linux/arm64"
  })
)

const SemverRange = Schema.NonEmptyString.pipe(
  Schema.filter((s) => validRange(s) !== null || 'is not a valid semver range (e.g. ">=1.2 <2")')
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
    if (s.semver !== undefined && s.ref.digest !== null) {
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

export { PullPolicy }
