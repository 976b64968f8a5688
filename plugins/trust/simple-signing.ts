/**
 * @module
 * The cosign simple-signing payload (cosign `specs/SIGNATURE_SPEC.md`,
 * "Payload", after containers/image's "atomic" signature format): the
 * claims a key-based signature makes, checked only after the signature
 * verified — `critical.type` must be cosign's and
 * `critical.image.docker-manifest-digest` must be the resolved digest.
 */
import { type Outcome, reject } from "./_step.ts"
import { COSIGN_PAYLOAD_TYPE } from "./model.ts"

/**
 * The claims of a simple-signing payload.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleSigningClaims {
  readonly type: string
  readonly digest: string
  readonly dockerReference: string | null
}

const record = (u: unknown): Record<string, unknown> | null => typeof u === "object" && u !== null && !Array.isArray(u) ? (u as Record<string, unknown>) : null

/**
 * Reads the claims, or says what is missing.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseSimpleSigning(payload: Uint8Array): SimpleSigningClaims | string {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(payload).toString("utf8"))
  } catch {
    return "the payload is not JSON"
  }
  const critical = record(record(json)?.critical)
  if (critical === null) return "the payload has no critical section"
  const digest = record(critical.image)?.["docker-manifest-digest"]
  if (typeof digest !== "string") return "the payload has no critical.image.docker-manifest-digest"
  if (typeof critical.type !== "string") return "the payload has no critical.type"
  const ref = record(critical.identity)?.["docker-reference"]
  return { type: critical.type, digest, dockerReference: typeof ref === "string" ? ref : null }
}

/**
 * Checks the claims against the image: `null` when they hold, else which
 * failed (`type` or `digest`) and why.
 *
 * @since 0.1.0
 * @category utils
 */
export function checkClaims(claims: SimpleSigningClaims, digest: string): { readonly failed: "type" | "digest"; readonly detail: string } | null {
  if (claims.type !== COSIGN_PAYLOAD_TYPE) {
    return { failed: "type", detail: `the payload's critical.type is ${JSON.stringify(claims.type)}, not ${JSON.stringify(COSIGN_PAYLOAD_TYPE)}` }
  }
  if (claims.digest.toLowerCase() !== digest.toLowerCase()) {
    return { failed: "digest", detail: `the signature is for ${claims.digest}, not ${digest}` }
  }
  return null
}

/**
 * The outcome for a payload whose signature verified: accepted for
 * `signer` when its claims hold for the image.
 *
 * @since 0.1.0
 * @category utils
 */
export function claimsOutcome(payload: Uint8Array, digest: string, signer: string, where: string): Outcome {
  const claims = parseSimpleSigning(payload)
  if (typeof claims === "string") return reject("malformed", `${where} (${signer}): ${claims}`)
  const wrong = checkClaims(claims, digest)
  if (wrong !== null) return reject(wrong.failed === "digest" ? "digest-mismatch" : "malformed", `${where} (${signer}): ${wrong.detail}`)
  return { ok: true, signer }
}
