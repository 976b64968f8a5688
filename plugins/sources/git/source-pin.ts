/**
 * @module
 * What a git source's ref resolved to: a commit, and the ref it came from.
 * Core stores it with the source; `load` checks that commit out, so a
 * restart serves the same commit without the network.
 */
import { Schema } from "../../../core/mod.ts"

/**
 * @since 0.2.0
 * @category models
 */
export const GitPin = Schema.Struct({
  commit: Schema.String.pipe(Schema.pattern(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/)),
  /** The ref the commit was resolved from (`refs/heads/main`), or the commit itself. */
  resolved: Schema.String
})
/** @since 0.2.0 @category models */
export type GitPin = typeof GitPin.Type
