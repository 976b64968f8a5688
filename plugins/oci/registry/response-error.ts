/**
 * @module
 * Turns a failing registry response into a `RegistryError`, keeping the
 * registry's own error code verbatim (distribution spec "Error Codes":
 * `{"errors":[{"code","message","detail"}]}`).
 */
import type { HttpResponse } from "./_http.ts"
import { readBounded } from "./_http.ts"
import { RegistryError, type RegistryErrorReason } from "../errors.ts"

const MAX_ERROR_BODY = 64 * 1024

const BY_CODE: Readonly<Record<string, RegistryErrorReason>> = {
  UNAUTHORIZED: "unauthorized",
  DENIED: "denied",
  NAME_UNKNOWN: "not-found",
  MANIFEST_UNKNOWN: "not-found",
  BLOB_UNKNOWN: "not-found",
  BLOB_UPLOAD_UNKNOWN: "not-found",
  TOOMANYREQUESTS: "rate-limited",
  MANIFEST_INVALID: "invalid-manifest",
  MANIFEST_BLOB_UNKNOWN: "invalid-manifest",
  DIGEST_INVALID: "digest-mismatch",
  SIZE_INVALID: "size-mismatch",
  UNSUPPORTED: "unsupported-media-type",
  UNAVAILABLE: "server"
}

function byStatus(status: number): RegistryErrorReason {
  if (status === 401) return "unauthorized"
  if (status === 403) return "denied"
  if (status === 404) return "not-found"
  if (status === 429) return "rate-limited"
  if (status === 413) return "too-large"
  if (status === 415) return "unsupported-media-type"
  if (status >= 500) return "server"
  return "protocol"
}

async function registryCodes(res: HttpResponse): Promise<{ code?: string; message?: string }> {
  try {
    const text = (await readBounded(res, MAX_ERROR_BODY)).toString("utf8")
    try {
      const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }>; details?: unknown; error?: unknown }
      const first = body.errors?.[0]
      if (first !== undefined) {
        return {
          code: typeof first.code === "string" ? first.code : undefined,
          message: typeof first.message === "string" ? first.message : undefined
        }
      }
      // Token servers answer {"details": "…"} or OAuth2's {"error": "…"}.
      const other = typeof body.details === "string" ? body.details : typeof body.error === "string" ? body.error : undefined
      return { message: other }
    } catch {
      return { message: text.trim().slice(0, 200) || undefined }
    }
  } catch {
    res.body.destroy()
    return {}
  }
}

/**
 * The error for a failing response to `what` (e.g. "manifest 1.0.0").
 *
 * @since 0.1.0
 * @category errors
 */
export async function errorFromResponse(res: HttpResponse, what: string, ref?: string): Promise<RegistryError> {
  const { code, message } = await registryCodes(res)
  const reason = (code !== undefined ? BY_CODE[code] : undefined) ?? byStatus(res.status)
  return new RegistryError({
    reason,
    detail: `${what}: ${message ?? `HTTP ${res.status}`}`,
    ref,
    status: res.status,
    ...(code !== undefined ? { code } : {})
  })
}

/** The error for a refused token request. @since 0.1.0 @category errors */
export async function tokenError(res: HttpResponse): Promise<RegistryError> {
  const { code, message } = await registryCodes(res)
  return new RegistryError({
    reason: res.status === 401 ? "unauthorized" : res.status === 403 ? "denied" : byStatus(res.status),
    detail: `token request refused: ${message ?? `HTTP ${res.status}`}`,
    ref: res.url.host,
    status: res.status,
    ...(code !== undefined ? { code } : {})
  })
}
