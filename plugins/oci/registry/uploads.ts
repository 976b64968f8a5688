/**
 * @module
 * Upload primitives for pushing (distribution spec "Pushing blobs"):
 * starting an upload session, a monolithic PUT, chunked PATCHes, finishing a
 * session, and mounting a blob from another repository of the same registry.
 */
import type { Readable } from "node:stream"
import { digestOf } from "../digest.ts"
import { RegistryError } from "../errors.ts"
import type { Digest } from "../model.ts"
import { header } from "./_http.ts"
import { pushScope, type RepoContext, repoUrl } from "./_repo.ts"
import { errorFromResponse } from "./response-error.ts"

/** @since 0.1.0 @category models */
export type UploadBody = Uint8Array | { readonly stream: () => Readable; readonly length: number }

function location(ctx: RepoContext, res: { headers: Readonly<Record<string, unknown>>; url: URL; status: number }, what: string): URL {
  const value = res.headers["location"]
  if (typeof value !== "string" || value === "") {
    throw new RegistryError({ reason: "protocol", detail: `${what}: no Location in the answer`, ref: ctx.name, status: res.status })
  }
  return new URL(value, res.url)
}

/**
 * Opens an upload session; returns its URL.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function startUpload(ctx: RepoContext): Promise<URL> {
  const res = await ctx.transport({ method: "POST", url: repoUrl(ctx, "blobs/uploads/"), body: new Uint8Array(0), scopes: pushScope(ctx), signal: ctx.signal })
  if (res.status !== 202) throw await errorFromResponse(res, "upload start", ctx.name)
  res.body.resume()
  return location(ctx, res, "upload start")
}

/**
 * Sends one chunk (`Content-Range: <start>-<end>`, inclusive); returns the
 * session URL for the next request.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function patchUpload(ctx: RepoContext, session: URL, chunk: Uint8Array, offset: number): Promise<URL> {
  const res = await ctx.transport({
    method: "PATCH",
    url: session,
    body: chunk,
    scopes: pushScope(ctx),
    signal: ctx.signal,
    headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${offset + chunk.length - 1}` }
  })
  if (res.status !== 202) throw await errorFromResponse(res, "upload chunk", ctx.name)
  res.body.resume()
  return location(ctx, res, "upload chunk")
}

/**
 * Closes a session with `PUT ?digest=`, sending the (remaining) body if any.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function finishUpload(ctx: RepoContext, session: URL, digest: Digest, body?: UploadBody): Promise<void> {
  const url = new URL(session)
  url.searchParams.set("digest", digest)
  const res = await ctx.transport({
    method: "PUT",
    url,
    body: body ?? new Uint8Array(0),
    scopes: pushScope(ctx),
    signal: ctx.signal,
    headers: { "content-type": "application/octet-stream" }
  })
  if (res.status !== 201) throw await errorFromResponse(res, `upload of ${digest}`, ctx.name)
  res.body.resume()
  const stored = header(res, "docker-content-digest")
  if (stored !== undefined && stored !== digest) {
    throw new RegistryError({ reason: "digest-mismatch", detail: `registry stored ${stored} for ${digest}`, ref: ctx.name })
  }
}

/**
 * Pushes bytes as one blob (POST, then monolithic PUT); returns its digest.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function pushBlob(ctx: RepoContext, bytes: Uint8Array): Promise<Digest> {
  const digest = digestOf(bytes)
  await finishUpload(ctx, await startUpload(ctx), digest, bytes)
  return digest
}

/**
 * Mounts a blob from another repository of the same registry. When the
 * registry cannot mount it answers with a new upload session instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function mountBlob(
  ctx: RepoContext,
  from: string,
  digest: Digest
): Promise<{ readonly mounted: true } | { readonly mounted: false; readonly session: URL }> {
  const url = repoUrl(ctx, "blobs/uploads/")
  url.searchParams.set("mount", digest)
  url.searchParams.set("from", from)
  const res = await ctx.transport({
    method: "POST",
    url,
    body: new Uint8Array(0),
    signal: ctx.signal,
    scopes: [...pushScope(ctx), `repository:${from}:pull`]
  })
  if (res.status === 201) {
    res.body.resume()
    return { mounted: true }
  }
  if (res.status === 202) {
    res.body.resume()
    return { mounted: false, session: location(ctx, res, "blob mount") }
  }
  throw await errorFromResponse(res, `mount of ${digest} from ${from}`, ctx.name)
}
