/**
 * @module
 * `Idempotency-Key` handling at the edge: the key's syntax and the hash of
 * the request it stands for. The hash is taken over the decoded body in a
 * canonical form (sorted keys), so whitespace or key order do not turn a
 * retry into a conflict.
 */
import { createHash } from "node:crypto"
import { HttpError } from "./problem.ts"

/** Keys are 1-255 visible ASCII characters (what clients put in a header). */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const key = header.trim()
  if (!/^[!-~]{1,255}$/.test(key)) {
    throw new HttpError("validation.failed", "Idempotency-Key must be 1-255 visible ASCII characters", {
      errors: [{ path: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" }]
    })
  }
  return key
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
  }
  return value
}

/** SHA-256 (hex) of the canonical JSON of a request body. */
export function requestHash(body: unknown): string {
  return createHash("sha256").update(JSON.stringify(canonical(body)), "utf8").digest("hex")
}
