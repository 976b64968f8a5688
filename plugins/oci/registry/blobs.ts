/**
 * @module
 * Blob downloads, streamed and verified: the byte count may never pass the
 * descriptor's size and the digest must match at the end, else the stream
 * fails (OCI descriptor.md "Digests": "the content MUST be verified"). A
 * connection that breaks mid-body resumes with `Range: bytes=<n>-` (RFC 9110
 * §14.2) instead of starting over; a server that ignores the range is
 * handled by skipping the bytes already seen.
 */
import { makeHasher, splitDigest } from "../digest.ts"
import { RegistryError } from "../errors.ts"
import type { Descriptor } from "../model.ts"
import { discard, header, type HttpResponse, isAbort, networkError, sleep } from "./_http.ts"
import { pullScope, type RepoContext, repoUrl } from "./_repo.ts"
import { errorFromResponse } from "./response-error.ts"

/**
 * Options of a blob download.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlobReadOptions {
  /** Range requests after a broken connection. Default 5. */
  readonly resumes?: number
}

function rangeStart(res: HttpResponse): number | undefined {
  const m = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/.exec(header(res, "content-range") ?? "")
  return m === null ? undefined : Number(m[1])
}

/**
 * The blob's bytes in order. The iterator fails with `size-mismatch` or
 * `digest-mismatch` when the content is not what the descriptor says; a
 * consumer must treat everything it got as unverified until the iterator ends.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function* readBlob(ctx: RepoContext, descriptor: Descriptor, options: BlobReadOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const ref = `${ctx.name}@${descriptor.digest}`
  const hasher = makeHasher(splitDigest(descriptor.digest).algorithm)
  const size = descriptor.size
  const maxResumes = options.resumes ?? 5
  let received = 0
  let resumes = 0
  for (;;) {
    const headers: Record<string, string> = received > 0 ? { range: `bytes=${received}-` } : {}
    const res = await ctx.transport({
      method: "GET",
      url: repoUrl(ctx, `blobs/${descriptor.digest}`),
      headers,
      kind: "blob",
      scopes: pullScope(ctx),
      signal: ctx.signal
    })
    let skip = 0
    if (received > 0 && res.status === 206 && rangeStart(res) === received) skip = 0
    else if (res.status === 200) skip = received
    else if (res.status === 416 || res.status === 206) {
      discard(res)
      throw new RegistryError({ reason: "size-mismatch", detail: `blob ended after ${received} of ${size} bytes`, ref, status: res.status })
    } else throw await errorFromResponse(res, `blob ${descriptor.digest}`, ref)
    const length = header(res, "content-length")
    if (res.status === 200 && length !== undefined && Number(length) !== size) {
      discard(res)
      throw new RegistryError({ reason: "size-mismatch", detail: `registry sends ${length} bytes for a blob of ${size}`, ref, status: res.status })
    }
    try {
      for await (const raw of res.body) {
        let chunk = raw as Buffer
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length)
          skip -= drop
          chunk = chunk.subarray(drop)
          if (chunk.length === 0) continue
        }
        if (received + chunk.length > size) {
          res.body.destroy()
          throw new RegistryError({ reason: "size-mismatch", detail: `blob is larger than its descriptor's ${size} bytes`, ref })
        }
        received += chunk.length
        hasher.update(chunk)
        yield chunk
      }
    } catch (e) {
      if (e instanceof RegistryError || isAbort(e) || ctx.signal?.aborted) throw e
      if (resumes >= maxResumes) throw networkError(e, ref)
      resumes++
      await sleep(100 * resumes, ctx.signal)
      continue
    }
    if (received === size) break
    // A body that ended cleanly but short: the connection was cut without an error.
    if (resumes >= maxResumes) throw new RegistryError({ reason: "size-mismatch", detail: `blob ended after ${received} of ${size} bytes`, ref })
    resumes++
  }
  const actual = hasher.digest()
  if (actual !== descriptor.digest) {
    throw new RegistryError({ reason: "digest-mismatch", detail: `blob content hashes to ${actual}`, ref })
  }
}

/**
 * A small blob (an image config) read whole, verified, bounded by `max`.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function readBlobBytes(ctx: RepoContext, descriptor: Descriptor, max: number): Promise<Uint8Array> {
  if (descriptor.size > max) {
    throw new RegistryError({
      reason: "too-large",
      detail: `blob of ${descriptor.size} bytes exceeds the ${max}-byte limit`,
      ref: `${ctx.name}@${descriptor.digest}`
    })
  }
  const chunks: Array<Uint8Array> = []
  for await (const chunk of readBlob(ctx, descriptor)) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/**
 * The size of a blob the repository has, or null (HEAD, distribution spec
 * "Checking if content exists").
 *
 * @since 0.1.0
 * @category constructors
 */
export async function blobSize(ctx: RepoContext, digest: string): Promise<number | null> {
  const res = await ctx.transport({ method: "HEAD", url: repoUrl(ctx, `blobs/${digest}`), kind: "blob", scopes: pullScope(ctx), signal: ctx.signal })
  res.body.resume()
  if (res.status === 404) return null
  if (res.status !== 200) throw await errorFromResponse(res, `blob ${digest}`, `${ctx.name}@${digest}`)
  const size = Number(header(res, "content-length"))
  return Number.isSafeInteger(size) ? size : 0
}
