/**
 * @module
 * An image ready to be written or pushed: its manifest bytes and, for
 * each blob it references, where the bytes are — a local file, memory, or
 * another repository (a base image's layer, mounted or fetched from there
 * only when the destination lacks it). Content stays lazy and
 * digest-addressed (go-containerregistry `v1.Image`).
 */
import { createReadStream } from "node:fs"
import { Readable } from "node:stream"
import type { Descriptor, RegistryClient, Repository } from "../oci/mod.ts"

/**
 * One blob of a staged image.
 *
 * @since 0.1.0
 * @category models
 */
export interface StagedBlob {
  readonly descriptor: Descriptor
  /** A file holding exactly the blob's bytes. */
  readonly path?: string
  /** The bytes themselves (configs). */
  readonly bytes?: Uint8Array
  /** A repository that has the blob: mounted from when on the same registry, else fetched from. */
  readonly origin?: Repository
}

/**
 * A staged image: the manifest and its blobs (config first, then layers).
 *
 * @since 0.1.0
 * @category models
 */
export interface StagedImage {
  readonly manifest: Descriptor
  readonly manifestBytes: Uint8Array
  readonly blobs: ReadonlyArray<StagedBlob>
}

/**
 * The blob's bytes as a stream: from its file, its bytes, or its origin
 * (verified against the descriptor as it streams).
 *
 * @since 0.1.0
 * @category utils
 */
export function openBlob(blob: StagedBlob, client: RegistryClient, signal?: AbortSignal): AsyncIterable<Uint8Array> | Readable {
  if (blob.bytes !== undefined) return Readable.from([blob.bytes])
  if (blob.path !== undefined) return createReadStream(blob.path)
  if (blob.origin !== undefined) return client.readBlob(blob.origin, blob.descriptor, signal)
  throw new Error(`blob ${blob.descriptor.digest} has no source`)
}
