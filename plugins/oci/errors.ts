/**
 * @module
 * The OCI library's errors, one tagged error per area: the registry
 * (network, HTTP, auth, content verification), the blob cache, and unpacking.
 * Registry error codes (distribution spec "Error Codes") are kept verbatim in
 * `code`; retries are decided from them and from the HTTP status.
 */
import * as Data from "effect/Data"
import { messageOf } from "../../core/mod.ts"

// The classifier of caught values is core's; the library's users keep importing it from here.
export { codeOf, messageOf } from "../../core/mod.ts"

/** @since 0.1.0 @category errors */
export type RegistryErrorReason =
  | "unauthorized"
  | "denied"
  | "not-found"
  | "rate-limited"
  | "server"
  | "network"
  | "timeout"
  | "insecure"
  | "redirect-refused"
  | "too-large"
  | "digest-mismatch"
  | "size-mismatch"
  | "invalid-manifest"
  | "unsupported-media-type"
  | "platform-not-found"
  | "protocol"
  /** A credentials file (Docker's `config.json`, podman's `auth.json`) that does not decode. */
  | "credentials"

/**
 * A failure talking to a registry or verifying what it sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistryError extends Data.TaggedError("RegistryError")<{
  readonly reason: RegistryErrorReason
  readonly detail: string
  /** The image reference or `registry/repository` involved. */
  readonly ref?: string
  /** HTTP status of the failing response, when there was one. */
  readonly status?: number
  /** The registry's own error code (`MANIFEST_UNKNOWN`, `DENIED`, …), verbatim. */
  readonly code?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const context = [this.ref, this.status !== undefined ? `HTTP ${this.status}` : undefined, this.code]
      .filter((x) => x !== undefined)
    return `${capitalize(this.reason)}: ${this.detail}${context.length > 0 ? ` (${context.join(", ")})` : ""}`
  }
}

/** @since 0.1.0 @category errors */
export type UnpackErrorReason =
  | "path-escape"
  | "symlink-traversal"
  | "hardlink-escape"
  | "invalid-name"
  | "not-a-directory"
  | "unsupported-entry"
  | "limit-exceeded"
  | "decompression-bomb"
  | "unsupported-media-type"
  | "diff-id-mismatch"
  | "corrupt"
  | "io"

/**
 * A layer that cannot be unpacked safely, or an I/O failure while unpacking.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnpackError extends Data.TaggedError("UnpackError")<{
  readonly reason: UnpackErrorReason
  readonly detail: string
  /** Digest of the layer being unpacked. */
  readonly layer?: string
  /** Archive path of the offending entry. */
  readonly entry?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const context = [this.layer, this.entry !== undefined ? `entry ${JSON.stringify(this.entry)}` : undefined]
      .filter((x) => x !== undefined)
    return `${capitalize(this.reason)}: ${this.detail}${context.length > 0 ? ` (${context.join(", ")})` : ""}`
  }
}

/**
 * A failure of the content-addressed blob cache on disk.
 *
 * @since 0.1.0
 * @category errors
 */
export class BlobStoreError extends Data.TaggedError("BlobStoreError")<{
  readonly reason: "io" | "corrupt"
  readonly detail: string
  readonly digest?: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${capitalize(this.reason)}: ${this.detail}${this.digest !== undefined ? ` (${this.digest})` : ""}`
  }
}

/** Any error of the OCI library. @since 0.1.0 @category errors */
export type OciError = RegistryError | UnpackError | BlobStoreError

/** True for an error of the OCI library. @since 0.1.0 @category guards */
export function isOciError(u: unknown): u is OciError {
  return u instanceof RegistryError || u instanceof UnpackError || u instanceof BlobStoreError
}

/**
 * Classifies a value caught at a Promise edge: an OCI error passes
 * through; anything else (an fs error, a bug) becomes the typed error
 * `orElse` makes of its message, keeping the value as `cause`.
 *
 * @example
 * Effect.tryPromise({
 *   try: () => unpack(),
 *   catch: (e) => classifyOciError(e, (detail, cause) => new UnpackError({ reason: "io", detail, cause }))
 * })
 *
 * @since 0.1.0
 * @category errors
 */
export function classifyOciError(u: unknown, orElse: (detail: string, cause: unknown) => OciError): OciError {
  return isOciError(u) ? u : orElse(messageOf(u), u)
}

/**
 * Registry codes that describe a passing condition (distribution spec:
 * `TOOMANYREQUESTS`; `UNAVAILABLE` is what registries send with 503).
 *
 * @since 0.1.0
 * @category utils
 */
export function isTemporary(e: RegistryError): boolean {
  if (e.code === "TOOMANYREQUESTS" || e.code === "UNAVAILABLE") return true
  return e.reason === "rate-limited" || e.reason === "server" || e.reason === "network" || e.reason === "timeout"
}

function capitalize(s: string): string {
  const words = s.replace(/-/g, " ")
  return words.charAt(0).toUpperCase() + words.slice(1)
}
