/**
 * @module
 * What the verification steps share: the context of one image's
 * verification and the outcome of checking one signature.
 */
import * as Effect from "effect/Effect"
import type { Digest, RegistryClient, RegistryError, Repository } from "../oci/mod.ts"
import type { SigstoreRoot } from "./_sigstore.ts"
import type { TrustPolicy } from "./trust-material.ts"

/** Why one signature was not accepted. */
export type Rejection = "untrusted" | "digest-mismatch" | "invalid-proof" | "malformed" | "unavailable"

/** The outcome of checking one signature. */
export type Outcome =
  | { readonly ok: true; readonly signer: string }
  | { readonly ok: false; readonly reason: Rejection; readonly detail: string }

/** A signature found by discovery, checked when run. */
export type Candidate = Effect.Effect<Outcome>

/** What a discovery path found. */
export type Found =
  | { readonly status: "absent"; readonly detail: string }
  | { readonly status: "failed"; readonly reason: "malformed" | "unavailable"; readonly detail: string }
  | { readonly status: "found"; readonly total: number; readonly candidates: ReadonlyArray<Candidate> }

/** One image's verification. */
export interface VerifyContext {
  readonly client: RegistryClient
  readonly repo: Repository
  readonly digest: Digest
  readonly trust: TrustPolicy
  /** The configured root, else the public-good one (loaded on first use). */
  readonly root: Effect.Effect<SigstoreRoot, string>
  /** The image manifest's bytes (what a message-signature bundle signs), fetched on first use. */
  readonly manifestBytes: Effect.Effect<Uint8Array, RegistryError>
  /** Referrers considered per path. */
  readonly maxCandidates: number
}

export const reject = (reason: Rejection, detail: string): Outcome => ({ ok: false, reason, detail })

/** `sha256:<hex>` → `sha256-<hex>` (cosign and the referrers tag schema). */
export function digestTag(digest: Digest | string): string {
  return digest.replace(":", "-")
}

/** A registry failure while reading a signature: gone, unreadable, or unreachable. */
export function registryRejection(e: RegistryError, what: string): Outcome {
  const malformed = e.reason === "invalid-manifest" || e.reason === "unsupported-media-type" || e.reason === "too-large" ||
    e.reason === "digest-mismatch" || e.reason === "size-mismatch"
  return reject(malformed ? "malformed" : "unavailable", `${what}: ${e.detail}`)
}

/** Signatures larger than this are refused unread (payloads and bundles are a few KiB). */
export const MAX_SIGNATURE_BYTES = 1024 * 1024

/** Shorthand for a failed step that should not fail the pipeline. */
export const settle = (effect: Effect.Effect<Outcome, RegistryError>, what: string): Candidate =>
  Effect.catchAll(effect, (e) => Effect.succeed(registryRejection(e, what)))
