/**
 * @module
 * OCI image layouts (image-spec `image-layout.md`): `oci-layout`,
 * `index.json` and `blobs/<alg>/<hex>`. Writing adds (or replaces) one
 * image under an `org.opencontainers.image.ref.name` annotation — the name
 * `umoci --image <layout>:<name>` and `skopeo oci:<layout>:<name>` select —
 * and keeps the layout's other images. Blobs are written to a temporary
 * name and renamed, so a layout never holds a partial blob; blobs already
 * there are not written again.
 */
import { randomBytes } from "node:crypto"
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { createWriteStream } from "node:fs"
import { join } from "node:path"
import { pipeline } from "node:stream/promises"
import { decodeManifest, type Descriptor, type Digest, MediaType, ociProblem, type RegistryClient, splitDigest } from "../oci/mod.ts"
import { openBlob, type StagedBlob, type StagedImage } from "./staged-image.ts"

/** The annotation naming an image of a layout (image-spec `annotations.md`). @since 0.1.0 @category constants */
export const REF_NAME = "org.opencontainers.image.ref.name"

interface LayoutIndex {
  schemaVersion: 2
  mediaType?: string
  manifests: Array<Descriptor>
  [key: string]: unknown
}

/** `blobs/<alg>/<hex>` of a layout. @since 0.1.0 @category utils */
export function layoutBlobPath(layout: string, digest: Digest | string): string {
  const { algorithm, hex } = splitDigest(digest)
  return join(layout, "blobs", algorithm, hex)
}

async function sizeOf(path: string): Promise<number | null> {
  return stat(path).then((s) => (s.isFile() ? s.size : null), () => null)
}

async function writeBlob(layout: string, blob: StagedBlob, client: RegistryClient): Promise<string> {
  const final = layoutBlobPath(layout, blob.descriptor.digest)
  if ((await sizeOf(final)) === blob.descriptor.size) return final
  await mkdir(join(final, ".."), { recursive: true })
  const temp = `${final}.tmp-${randomBytes(6).toString("hex")}`
  try {
    if (blob.path !== undefined) await copyFile(blob.path, temp)
    else await pipeline(openBlob(blob, client), createWriteStream(temp, { flags: "wx" }))
    await rename(temp, final)
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
  return final
}

async function readIndex(layout: string): Promise<LayoutIndex | null> {
  const text = await readFile(join(layout, "index.json"), "utf8").catch(() => null)
  if (text === null) return null
  const index = JSON.parse(text) as LayoutIndex
  if (typeof index !== "object" || index === null || !Array.isArray(index.manifests)) {
    throw ociProblem("E_OCI", `${layout}: index.json is not an OCI image index`)
  }
  return index
}

/**
 * Writes `image` into the layout at `layout` (created when missing) under
 * `refName`; returns the image with every blob pointing at its layout file.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function writeOciLayout(layout: string, image: StagedImage, refName: string, client: RegistryClient): Promise<StagedImage> {
  await mkdir(layout, { recursive: true })
  const blobs: Array<StagedBlob> = []
  for (const blob of image.blobs) blobs.push({ ...blob, path: await writeBlob(layout, blob, client), bytes: undefined })
  await writeBlob(layout, { descriptor: image.manifest, bytes: image.manifestBytes }, client)
  const index: LayoutIndex = (await readIndex(layout)) ?? { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }
  const entry: Descriptor = { ...image.manifest, annotations: { [REF_NAME]: refName } }
  index.manifests = [...index.manifests.filter((m) => m.annotations?.[REF_NAME] !== refName), entry]
  await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }))
  const temp = join(layout, `index.json.tmp-${randomBytes(6).toString("hex")}`)
  await writeFile(temp, JSON.stringify(index))
  await rename(temp, join(layout, "index.json"))
  return { ...image, blobs }
}

/**
 * Reads one image of a layout: the one named `refName`, or the only one.
 * Fails with `E_OCI` when there is no such image or a blob is missing.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function readOciLayout(layout: string, refName?: string): Promise<StagedImage> {
  const fail = (detail: string) => ociProblem("E_OCI", `${layout}: ${detail}`)
  const index = await readIndex(layout)
  if (index === null) throw fail("not an OCI image layout (no index.json)")
  const named = refName === undefined ? index.manifests : index.manifests.filter((m) => m.annotations?.[REF_NAME] === refName)
  if (named.length !== 1) {
    const names = index.manifests.map((m) => m.annotations?.[REF_NAME]).filter((n) => n !== undefined)
    throw fail(
      `${named.length === 0 ? "no image" : "more than one image"}${refName !== undefined ? ` named ${JSON.stringify(refName)}` : ""}; the layout has ${
        names.length > 0 ? names.join(", ") : "no named images"
      }`
    )
  }
  const manifestBytes = await readFile(layoutBlobPath(layout, named[0].digest)).catch(() => null)
  if (manifestBytes === null) throw fail(`manifest blob ${named[0].digest} is missing`)
  const fetched = decodeManifest(manifestBytes, named[0].mediaType, layout)
  if (fetched.kind !== "manifest") throw fail("the image is an index; push one image manifest at a time")
  if (fetched.descriptor.digest !== named[0].digest) throw fail(`manifest blob does not match its digest ${named[0].digest}`)
  const blobs: Array<StagedBlob> = []
  for (const descriptor of [fetched.manifest.config, ...fetched.manifest.layers]) {
    const path = layoutBlobPath(layout, descriptor.digest)
    if ((await sizeOf(path)) !== descriptor.size) throw fail(`blob ${descriptor.digest} is missing or has the wrong size`)
    blobs.push({ descriptor, path })
  }
  return { manifest: { mediaType: fetched.descriptor.mediaType, digest: fetched.descriptor.digest, size: fetched.descriptor.size }, manifestBytes, blobs }
}
