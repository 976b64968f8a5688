/**
 * @module
 * What an `oci` source's spec resolved to: the tag chosen (the ref's own,
 * or the highest matching `semver`) and the digest it pointed at (an index
 * or a manifest). Core stores it with the source and hands it back to
 * `load`, so a restart serves the same image without asking the registry.
 */
import { Schema } from "../../../core/mod.ts"

/**
 * @since 0.2.0
 * @category models
 */
export const OciPin = Schema.Struct({
  tag: Schema.NullOr(Schema.String),
  resolved_digest: Schema.String.pipe(Schema.pattern(/^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/))
})
/** @since 0.2.0 @category models */
export type OciPin = typeof OciPin.Type
