/**
 * @module
 * Hashing for content addressing: the digest of bytes, an incremental hasher
 * for streams, and the split of a digest into algorithm and hex for paths.
 */
import { createHash, type Hash } from "node:crypto"
import type { Digest } from "./model.ts"

/** @since 0.1.0 @category models */
export type DigestAlgorithm = "sha256" | "sha512"

/**
 * Splits `sha256:<hex>` into its algorithm and hex (the digest is assumed valid).
 *
 * @since 0.1.0
 * @category utils
 */
export function splitDigest(digest: Digest | string): { readonly algorithm: DigestAlgorithm; readonly hex: string } {
  const i = digest.indexOf(":")
  return { algorithm: digest.slice(0, i) as DigestAlgorithm, hex: digest.slice(i + 1) }
}

/**
 * The digest of some bytes, `sha256` unless told otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = "sha256"): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}` as Digest
}

/**
 * Hashes a stream as it passes; `digest()` is the digest of everything seen.
 *
 * @since 0.1.0
 * @category constructors
 */
export interface Hasher {
  readonly update: (chunk: Uint8Array) => void
  readonly digest: () => Digest
}

/** @since 0.1.0 @category constructors */
export function makeHasher(algorithm: DigestAlgorithm = "sha256"): Hasher {
  const hash: Hash = createHash(algorithm)
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => `${algorithm}:${hash.digest("hex")}` as Digest
  }
}
