/**
 * @module
 * Reads what a `catch` or a Promise edge caught. Caught values are
 * `unknown`: a thrown string, a Node system error, a library's own error.
 * These read them without casting, so an edge classifies what it caught
 * into a tagged error instead of trusting a shape it never checked.
 */

/**
 * The message of a caught value: an Error's own message, else the value as text.
 *
 * @since 0.2.0
 * @category utils
 */
export function messageOf(u: unknown): string {
  if (u instanceof Error) return u.message
  if (typeof u === "object" && u !== null && "message" in u && typeof u.message === "string") return u.message
  return String(u)
}

/**
 * The string `code` a caught error carries, if any: Node's system errors
 * (`ENOENT`, `ECONNRESET`, …), sigstore-js's (`SIGNATURE_ERROR`, …).
 *
 * @since 0.2.0
 * @category utils
 */
export function codeOf(u: unknown): string | undefined {
  return typeof u === "object" && u !== null && "code" in u && typeof u.code === "string" ? u.code : undefined
}
