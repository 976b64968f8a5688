/**
 * @module
 * The one error of signature verification. Its `reason` is a closed union,
 * like `VerificationError`'s `code` in sigstore-js `verify/src/error.ts`:
 * each names what an operator has to fix (docs/security.md lists them).
 */
import * as Data from "effect/Data"
import type { FieldError } from "../../core/mod.ts"
import type { DiscoveryReport } from "./model.ts"

/**
 * Why an image was not verified, or why trust material was refused.
 *
 * - `no-signature`: no signature was found on any discovery path.
 * - `untrusted`: signatures exist, none from a trusted key or identity.
 * - `digest-mismatch`: a trusted signer signed another digest.
 * - `invalid-proof`: a certificate chain, transparency-log entry or timestamp does not verify.
 * - `malformed`: a signature manifest, payload or bundle cannot be read.
 * - `unavailable`: the registry or the trust root could not be reached.
 * - `policy`: the policy's `trust` section is invalid (bad PEM, regexp, trusted root).
 *
 * @since 0.1.0
 * @category errors
 */
export type VerifyErrorReason =
  | "no-signature"
  | "untrusted"
  | "digest-mismatch"
  | "invalid-proof"
  | "malformed"
  | "unavailable"
  | "policy"

/** What each reason means, as the start of a message. */
const titles: Readonly<Record<VerifyErrorReason, string>> = {
  "no-signature": "no signature found",
  untrusted: "no signature from a trusted key or identity",
  "digest-mismatch": "the signed digest is not the image's",
  "invalid-proof": "certificate, transparency-log or timestamp proof invalid",
  malformed: "malformed signature",
  unavailable: "signatures could not be checked",
  policy: "invalid trust policy"
}

/** Each reason as a sentence for people: the one place the bare tokens become words. */
const sentences: Readonly<Record<VerifyErrorReason, string>> = {
  "no-signature": "no signature was found (looked for a cosign signature tag sha256-<hex>.sig and OCI referrers of the image's digest)",
  untrusted: "signatures were found, but none from a key or identity the policy's trust section lists",
  "digest-mismatch": "a trusted signer signed another digest than the image's",
  "invalid-proof": "a certificate chain, transparency-log entry or timestamp of the signature does not verify",
  malformed: "a signature manifest, payload or bundle could not be read",
  unavailable: "the signatures could not be checked: the registry or the trust root was not reachable",
  policy: "the policy's trust section is invalid"
}

/**
 * What a reason means, as a sentence (`no-signature` → "no signature was
 * found (looked for …)"), for problem documents and the CLI.
 *
 * @since 0.1.0
 * @category errors
 */
export function describeReason(reason: VerifyErrorReason): string {
  return sentences[reason]
}

/**
 * A failed verification (or unusable trust material), with the discovery
 * report so "no signature found" is never a mystery.
 *
 * @since 0.1.0
 * @category errors
 */
export class VerifyError extends Data.TaggedError("VerifyError")<{
  readonly reason: VerifyErrorReason
  readonly detail: string
  /** The image (`registry/repository@digest`). */
  readonly ref?: string
  /** What each discovery path found. */
  readonly discovery?: DiscoveryReport
  /** Policy fields at fault (`trust.keys[1]`), for `policy`. */
  readonly errors?: ReadonlyArray<FieldError>
  readonly cause?: unknown
}> {
  /** `<what the reason means>: <detail>`, e.g. `no signature found: tried cosign tag …`. */
  get summary(): string {
    return `${titles[this.reason]}: ${this.detail}`
  }
  override get message(): string {
    const s = this.summary
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}${this.ref !== undefined ? ` (${this.ref})` : ""}`
  }
}
