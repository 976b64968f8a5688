/**
 * @module
 * Downloading an archive with the runtime's `fetch`: bounded in size,
 * reporting progress as it goes, and checked against the pinned SHA-256
 * before anything is done with it.
 */
import { createHash } from "node:crypto"

/** What a download produced: the bytes, already verified. */
export interface Downloaded {
  readonly bytes: Uint8Array
  readonly sha256: string
}

/** The response, the size or the digest was wrong. */
export class DownloadError extends Error {
  override readonly name = "DownloadError"
  readonly reason: "http" | "too-large" | "digest" | "network"
  constructor(reason: DownloadError["reason"], message: string) {
    super(message)
    this.reason = reason
  }
}

/** Downloads `url` (at most `maxBytes`) and checks its SHA-256 against `sha256`. */
export async function download(
  url: string,
  sha256: string,
  options: { readonly maxBytes: number; readonly signal?: AbortSignal; readonly onProgress?: (bytes: number, total: number | null) => void }
): Promise<Downloaded> {
  let response: Response
  try {
    response = await fetch(url, { signal: options.signal, redirect: "follow" })
  } catch (e) {
    throw new DownloadError("network", e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e))
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel()
    throw new DownloadError("http", `the server answered ${response.status} ${response.statusText}`.trim())
  }
  const declared = Number(response.headers.get("content-length") ?? NaN)
  if (declared > options.maxBytes) {
    await response.body.cancel()
    throw new DownloadError("too-large", `the archive is ${declared} bytes, more than the limit of ${options.maxBytes}`)
  }
  const hash = createHash("sha256")
  const chunks: Array<Uint8Array> = []
  let received = 0
  let reported = 0
  for await (const chunk of response.body) {
    received += chunk.length
    // Checked while reading: a server that lies about (or omits) its length is cut off.
    if (received > options.maxBytes) throw new DownloadError("too-large", `the archive is larger than the limit of ${options.maxBytes} bytes`)
    hash.update(chunk)
    chunks.push(chunk)
    if (received - reported >= 256 * 1024) {
      reported = received
      options.onProgress?.(received, Number.isFinite(declared) ? declared : null)
    }
  }
  const actual = hash.digest("hex")
  if (actual !== sha256) throw new DownloadError("digest", `the archive's sha256 is ${actual}, not the pinned ${sha256}`)
  return { bytes: Buffer.concat(chunks), sha256: actual }
}
