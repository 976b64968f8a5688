/**
 * @module
 * The content-addressed blob cache: `blobs/<algorithm>/<hex>` under a data
 * directory (the OCI image-layout convention). A blob appears only complete
 * and verified: it is written to a temporary file, fsynced and renamed into
 * place (rename is atomic within a filesystem). A blob already present is not
 * fetched again, and one being fetched is fetched once however many pulls
 * ask for it (in-process single flight keyed by digest).
 */
import { createReadStream } from "node:fs"
import { lstat, readdir, readFile, rm, unlink } from "node:fs/promises"
import { join } from "node:path"
import type { Readable } from "node:stream"
import * as Effect from "effect/Effect"
import { digestOf, splitDigest } from "./digest.ts"
import { BlobStoreError, messageOf, RegistryError } from "./errors.ts"
import type { Descriptor, Digest } from "./model.ts"
import { type BlobWriter, makeBlobWriter } from "./_blob-writer.ts"
import { orAbort, settled } from "./_settled.ts"

export type { BlobWriter }

/**
 * The answer to "may I fetch this blob?": it is there, someone else is
 * fetching it, or the caller now owns the fetch.
 *
 * @since 0.1.0
 * @category models
 */
export type BlobLease =
  | { readonly _tag: "cached"; readonly path: string }
  | { readonly _tag: "busy"; readonly wait: Promise<void> }
  | { readonly _tag: "owner"; readonly writer: BlobWriter }

/**
 * The blob cache.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlobStore {
  readonly dir: string
  readonly path: (digest: Digest) => string
  /** True when the blob is there (and has `size` bytes, when given). */
  readonly has: (digest: Digest, size?: number) => Effect.Effect<boolean>
  /** A small blob read whole and re-verified. */
  readonly read: (digest: Digest, max?: number) => Effect.Effect<Uint8Array, BlobStoreError>
  readonly open: (digest: Digest) => Readable
  /** Stores bytes under their sha256 digest. */
  readonly put: (bytes: Uint8Array) => Effect.Effect<Digest, BlobStoreError>
  /** The blob's path, fetching it with `fetch` (which must verify) when missing. */
  readonly ensure: (descriptor: Descriptor, fetch: (signal: AbortSignal) => AsyncIterable<Uint8Array>) => Effect.Effect<string, BlobStoreError | RegistryError>
  /** Low-level single flight for callers that stream a blob elsewhere while caching it. */
  readonly lease: (descriptor: Descriptor) => Promise<BlobLease>
  readonly list: Effect.Effect<ReadonlyArray<Digest>, BlobStoreError>
  readonly remove: (digest: Digest) => Effect.Effect<void, BlobStoreError>
  /** Removes temporary files a crash left behind; returns how many. */
  readonly sweep: Effect.Effect<number, BlobStoreError>
  /**
   * Work in progress on behalf of this store's users, by key (an unpack by
   * its destination), so two pulls of one image through one store do it
   * once; it belongs to the store so that two engines share nothing.
   */
  readonly flights: Map<string, Promise<unknown>>
}

const ioError = (detail: string, digest?: string) => (cause: unknown) =>
  new BlobStoreError({ reason: "io", detail: `${detail}: ${messageOf(cause)}`, digest, cause })

/**
 * Opens (creating on first write) the cache under `dir`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeBlobStore(dir: string): BlobStore {
  const root = join(dir, "blobs")
  const tmp = join(root, "tmp")
  const inflight = new Map<string, Promise<void>>()
  const pathOf = (digest: Digest) => {
    const { algorithm, hex } = splitDigest(digest)
    return join(root, algorithm, hex)
  }

  const present = async (digest: Digest, size?: number): Promise<boolean> => {
    try {
      const st = await lstat(pathOf(digest))
      if (!st.isFile()) return false
      if (size !== undefined && st.size !== size) {
        // Not what the descriptor says: never serve it.
        await unlink(pathOf(digest)).catch(() => {})
        return false
      }
      return true
    } catch {
      return false
    }
  }

  const lease = async (descriptor: Descriptor): Promise<BlobLease> => {
    const busy = inflight.get(descriptor.digest)
    if (busy !== undefined) return { _tag: "busy", wait: busy }
    if (await present(descriptor.digest, descriptor.size)) return { _tag: "cached", path: pathOf(descriptor.digest) }
    const again = inflight.get(descriptor.digest)
    if (again !== undefined) return { _tag: "busy", wait: again }
    let release!: () => void
    inflight.set(descriptor.digest, new Promise<void>((resolve) => (release = resolve)))
    const done = () => {
      inflight.delete(descriptor.digest)
      release()
    }
    try {
      return { _tag: "owner", writer: await makeBlobWriter(tmp, pathOf(descriptor.digest), descriptor, done) }
    } catch (e) {
      done()
      throw ioError("cannot create a temporary blob file", descriptor.digest)(e)
    }
  }

  // Interrupted (a deadline), the fetch is aborted and its temporary file removed before the failure is reported.
  const ensure = (descriptor: Descriptor, fetch: (signal: AbortSignal) => AsyncIterable<Uint8Array>) =>
    settled(
      async (signal) => {
        // Two rounds: if the fetch we waited for failed, try once ourselves.
        for (let round = 0;; round++) {
          const l = await lease(descriptor)
          if (l._tag === "cached") return l.path
          if (l._tag === "busy" && round < 2) {
            await orAbort(l.wait, signal)
            continue
          }
          if (l._tag === "busy") throw new BlobStoreError({ reason: "io", detail: "blob is still being fetched by another pull", digest: descriptor.digest })
          try {
            for await (const chunk of fetch(signal)) await l.writer.write(chunk)
          } catch (e) {
            await l.writer.abort()
            throw e
          }
          return await l.writer.commit()
        }
      },
      (e) => (e instanceof BlobStoreError || e instanceof RegistryError ? e : ioError("cannot fetch blob", descriptor.digest)(e))
    )

  return {
    dir,
    path: pathOf,
    has: (digest, size) => Effect.promise(() => present(digest, size)),
    read: (digest, max = 16 * 1024 * 1024) =>
      Effect.tryPromise({
        try: async () => {
          const st = await lstat(pathOf(digest))
          if (st.size > max) throw new BlobStoreError({ reason: "corrupt", detail: `blob is larger than ${max} bytes`, digest })
          const bytes = await readFile(pathOf(digest))
          if (digestOf(bytes, splitDigest(digest).algorithm) !== digest) {
            await unlink(pathOf(digest)).catch(() => {})
            throw new BlobStoreError({ reason: "corrupt", detail: "cached blob does not match its digest; removed", digest })
          }
          return new Uint8Array(bytes)
        },
        catch: (e) => (e instanceof BlobStoreError ? e : ioError("cannot read blob", digest)(e))
      }),
    open: (digest) => createReadStream(pathOf(digest)),
    put: (bytes) =>
      settled(
        async () => {
          const digest = digestOf(bytes)
          if (await present(digest, bytes.length)) return digest
          const l = await lease({ mediaType: "application/octet-stream", digest, size: bytes.length })
          if (l._tag === "busy") await l.wait
          if (l._tag !== "owner") return digest
          await l.writer.write(bytes).catch(async (e) => {
            await l.writer.abort()
            throw e
          })
          await l.writer.commit()
          return digest
        },
        (e) => (e instanceof BlobStoreError ? e : ioError("cannot store blob")(e))
      ),
    ensure,
    lease,
    flights: new Map(),
    list: Effect.tryPromise({
      try: async () => {
        const out: Array<Digest> = []
        for (const algorithm of ["sha256", "sha512"]) {
          const names = await readdir(join(root, algorithm)).catch(() => [] as Array<string>)
          for (const hex of names) out.push(`${algorithm}:${hex}` as Digest)
        }
        return out
      },
      catch: ioError("cannot list blobs")
    }),
    remove: (digest) => Effect.tryPromise({ try: () => rm(pathOf(digest), { force: true }), catch: ioError("cannot remove blob", digest) }),
    sweep: Effect.tryPromise({
      try: async () => {
        // Files of fetches in progress in this process are not garbage.
        if (inflight.size > 0) return 0
        const names = await readdir(tmp).catch(() => [] as Array<string>)
        await Promise.all(names.map((n) => rm(join(tmp, n), { force: true, recursive: true })))
        return names.length
      },
      catch: ioError("cannot sweep temporary blobs")
    })
  }
}
