/**
 * @module
 * Pushing one blob (distribution spec "Pushing blobs"): a HEAD first, and a
 * blob the repository already has is skipped; a base layer living in
 * another repository of the same registry is mounted (`?mount=&from=`)
 * instead of uploaded; otherwise small blobs go up in one monolithic PUT
 * (which the transport retries on 5xx, the body being replayable) and
 * large ones in sequential chunked PATCHes read from disk one chunk at a
 * time. A chunked upload broken by a passing failure (5xx, 429, network)
 * starts over in a fresh session, a few times, before it fails.
 */
import { open } from "node:fs/promises"
import * as Effect from "effect/Effect"
import { isTemporary, messageOf, type RegistryClient, RegistryError, type Repository } from "../oci/mod.ts"
import { openBlob, type StagedBlob } from "./staged-image.ts"

/**
 * Upload knobs.
 *
 * @since 0.1.0
 * @category models
 */
export interface UploadOptions {
  /** Blobs larger than this are uploaded in chunks of this size. Default 8 MiB. */
  readonly chunkSize?: number
  /** Fresh sessions after a chunked upload broke on a passing failure. Default 2. */
  readonly restarts?: number
}

/** What became of a blob. @since 0.1.0 @category models */
export type BlobOutcome = "exists" | "mounted" | "uploaded"

const DEFAULT_CHUNK = 8 * 1024 * 1024

const ioError = (blob: StagedBlob, repo: Repository) => (e: unknown) =>
  e instanceof RegistryError ? e : new RegistryError({
    reason: "network",
    detail: `cannot read blob ${blob.descriptor.digest}: ${messageOf(e)}`,
    ref: `${repo.registry}/${repo.repository}`,
    cause: e
  })

/** The blob's bytes in chunks of exactly `size` (the last one shorter). */
async function* chunks(blob: StagedBlob, client: RegistryClient, size: number): AsyncGenerator<Uint8Array> {
  if (blob.path !== undefined) {
    // One reused buffer: each chunk is sent and answered before the next read.
    const fh = await open(blob.path, "r")
    const buffer = Buffer.allocUnsafe(size)
    try {
      for (;;) {
        let filled = 0
        while (filled < size) {
          const { bytesRead } = await fh.read(buffer, filled, size - filled, null)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        if (filled === 0) return
        yield buffer.subarray(0, filled)
        if (filled < size) return
      }
    } finally {
      await fh.close()
    }
  }
  let pending: Array<Uint8Array> = []
  let pendingBytes = 0
  for await (const piece of openBlob(blob, client) as AsyncIterable<Uint8Array>) {
    let rest = piece
    while (pendingBytes + rest.length >= size) {
      const take = size - pendingBytes
      pending.push(rest.subarray(0, take))
      yield Buffer.concat(pending)
      rest = rest.subarray(take)
      pending = []
      pendingBytes = 0
    }
    if (rest.length > 0) {
      pending.push(rest)
      pendingBytes += rest.length
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending)
}

async function collect(blob: StagedBlob, client: RegistryClient): Promise<Uint8Array> {
  if (blob.bytes !== undefined) return blob.bytes
  const parts: Array<Uint8Array> = []
  for await (const piece of openBlob(blob, client) as AsyncIterable<Uint8Array>) parts.push(piece)
  return Buffer.concat(parts)
}

/**
 * Pushes `blob` to `repo` unless it is there already; `onBytes` hears of
 * each chunk sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export function uploadBlob(
  client: RegistryClient,
  repo: Repository,
  blob: StagedBlob,
  options: UploadOptions & { readonly onBytes?: (n: number) => void } = {}
): Effect.Effect<BlobOutcome, RegistryError> {
  const { digest, size } = blob.descriptor
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK)
  const restarts = options.restarts ?? 2
  const sent = options.onBytes ?? (() => {})
  return Effect.gen(function* () {
    // A HEAD answer has no body to carry the registry's error code: on 401/403 go on, and the upload reports it.
    const present = yield* client.blobSize(repo, digest).pipe(
      Effect.catchIf((e) => e.reason === "unauthorized" || e.reason === "denied", () => Effect.succeed(null))
    )
    if (present !== null) return "exists" as const
    let session: URL | undefined
    const origin = blob.origin
    if (origin !== undefined && origin.registry === repo.registry && origin.repository !== repo.repository) {
      const mount = yield* client.mountBlob(repo, origin.repository, digest)
      if (mount.mounted) return "mounted" as const
      // The registry declined to mount and opened an upload session instead: use it.
      session = mount.session
    }
    if (size <= chunkSize) {
      const bytes = yield* Effect.tryPromise({ try: () => collect(blob, client), catch: ioError(blob, repo) })
      yield* client.finishUpload(repo, session ?? (yield* client.startUpload(repo)), digest, bytes)
      sent(bytes.length)
      return "uploaded" as const
    }
    for (let attempt = 0;; attempt++) {
      const result = yield* Effect.either(chunked(session))
      session = undefined
      if (result._tag === "Right") return "uploaded" as const
      const e = result.left
      if (attempt >= restarts || !isTemporary(e)) return yield* Effect.fail(e)
      yield* Effect.sleep(`${250 * 2 ** attempt} millis`)
    }
  })

  function chunked(open: URL | undefined): Effect.Effect<void, RegistryError> {
    return Effect.suspend(() => {
      const iterator = chunks(blob, client, chunkSize)[Symbol.asyncIterator]()
      return Effect.gen(function* () {
        let location = open ?? (yield* client.startUpload(repo))
        let offset = 0
        for (;;) {
          const next = yield* Effect.tryPromise({ try: () => iterator.next(), catch: ioError(blob, repo) })
          if (next.done === true) break
          location = yield* client.patchUpload(repo, location, next.value, offset)
          offset += next.value.length
          sent(next.value.length)
        }
        yield* client.finishUpload(repo, location, digest)
      }).pipe(
        // Close the file (or the origin stream) whether or not the upload got through.
        Effect.ensuring(Effect.promise(() => (iterator.return?.(undefined) ?? Promise.resolve()).catch(() => undefined)))
      )
    })
  }
}
