/**
 * @module
 * The names of the OCI plugin's leases in the engine's store: a pull holds
 * `oci:blob:<digest>` on each blob it writes and `oci:rootfs:<digest>` on
 * the rootfs it unpacks, and `gc` keeps what any engine holds a lease on
 * (`GcContext.leases`). Keys of other plugins are ignored.
 */
import type { Digest } from "../../oci/mod.ts"

const BLOB = "oci:blob:"
const ROOTFS = "oci:rootfs:"

/** The lease on a cached blob. @since 0.3.0 @category constructors */
export const blobKey = (digest: string): string => `${BLOB}${digest}`

/** The lease on the rootfs unpacked from a manifest. @since 0.3.0 @category constructors */
export const rootfsKey = (digest: string): string => `${ROOTFS}${digest}`

/** The keys of an image a pull writes: its blobs, and the rootfs named after its manifest. @since 0.3.0 @category constructors */
export function imageKeys(image: {
  readonly digest: Digest
  readonly indexDigest: Digest | null
  readonly manifest: { readonly config: { readonly digest: string }; readonly layers: ReadonlyArray<{ readonly digest: string }> }
}): ReadonlyArray<string> {
  return [
    rootfsKey(image.digest),
    blobKey(image.digest),
    ...(image.indexDigest !== null ? [blobKey(image.indexDigest)] : []),
    blobKey(image.manifest.config.digest),
    ...image.manifest.layers.map((l) => blobKey(l.digest))
  ]
}

/** The digests leased, by what they name. @since 0.3.0 @category constructors */
export function leasedDigests(keys: ReadonlyArray<string>): { readonly rootfs: ReadonlySet<string>; readonly blobs: ReadonlySet<string> } {
  const rootfs = new Set<string>()
  const blobs = new Set<string>()
  for (const key of keys) {
    if (key.startsWith(ROOTFS)) rootfs.add(key.slice(ROOTFS.length))
    else if (key.startsWith(BLOB)) blobs.add(key.slice(BLOB.length))
  }
  return { rootfs, blobs }
}
