/**
 * @module
 * What can go wrong between the client and the server, as opposed to what
 * the server answers: the server cannot be reached, a connection dropped,
 * or a reply is not the API's. The engine's own failures arrive as problem
 * documents and become core's tagged errors instead (`problem-error.ts`).
 */
import * as Data from "effect/Data"

/**
 * Why a request did not get an answer from the API.
 *
 * @since 0.1.0
 * @category errors
 */
export type RemoteReason = "unreachable" | "dropped" | "protocol" | "unsupported"

/**
 * A transport failure. `code` and `detail` make it print like any problem
 * (`flwd: remote: cannot reach http://127.0.0.1:8080: connection refused`).
 *
 * @since 0.1.0
 * @category errors
 */
export class RemoteError extends Data.TaggedError("RemoteError")<{
  readonly reason: RemoteReason
  readonly detail: string
  readonly cause?: unknown
}> {
  /** Not one of the engine's codes: this failure never reached the engine. */
  get code(): "remote" {
    return "remote"
  }
  get status(): number {
    return this.reason === "unsupported" ? 501 : 502
  }
  get title(): string {
    return this.reason === "unsupported" ? "Not available over HTTP" : "Server unreachable"
  }
  override get message(): string {
    return `${this.reason[0].toUpperCase()}${this.reason.slice(1)}: ${this.detail}`
  }
}

/** Words for the system error codes a refused or failed connection carries. */
const reasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "timed out",
  UND_ERR_CONNECT_TIMEOUT: "timed out",
  UND_ERR_SOCKET: "connection closed",
  CERT_HAS_EXPIRED: "certificate expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate not trusted"
}

/** The same, for runtimes that only say it in words (Deno). */
const phrases: ReadonlyArray<readonly [RegExp, string]> = [
  [/connection refused/i, "connection refused"],
  [/connection reset/i, "connection reset"],
  [/dns error|name or service not known|failed to lookup address/i, "host not found"],
  [/timed out/i, "timed out"]
]

function errorCode(u: unknown): string | undefined {
  if (typeof u !== "object" || u === null) return undefined
  const code = (u as { code?: unknown }).code
  if (typeof code === "string") return code
  // Node tries every address of a name and reports them together.
  const inner = (u as { errors?: unknown }).errors
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined
}

/**
 * A few words on why a fetch failed: Node's `fetch` hides the system error
 * in `cause`; Deno puts it in the message.
 *
 * @since 0.1.0
 * @category constructors
 */
export function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause
  const code = errorCode(cause) ?? errorCode(error)
  if (code !== undefined && reasons[code] !== undefined) return reasons[code]
  const message = error instanceof Error ? error.message : String(error)
  const inner = cause instanceof Error ? cause.message : undefined
  const text = `${message} ${inner ?? ""}`
  for (const [pattern, words] of phrases) if (pattern.test(text)) return words
  return inner ?? (code !== undefined ? `${message} (${code})` : message)
}
