/**
 * @module
 * Builds OCI and docker v2s2 images in memory for tests — tar layers with
 * tar-stream, gzip/zstd with node:zlib, config and manifest JSON — and pushes
 * them to a registry with plain `fetch` (monolithic upload: POST, then PUT).
 * Malicious layers are built with the same `tarLayer`.
 */
import { createHash } from "node:crypto"
import * as zlib from "node:zlib"
import { pack } from "tar-stream"

export interface EntrySpec {
  readonly path: string
  readonly type?: "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo"
  readonly content?: string | Uint8Array
  readonly mode?: number
  readonly linkname?: string
}

export type Compression = "none" | "gzip" | "zstd"
export type Format = "oci" | "docker"

export interface Blob {
  readonly mediaType: string
  readonly bytes: Buffer
  readonly digest: string
  readonly size: number
}

export interface LayerBlob extends Blob {
  readonly diffId: string
}

export interface Platform {
  readonly os: string
  readonly architecture: string
  readonly variant?: string
}

export interface BuiltImage {
  readonly layers: ReadonlyArray<LayerBlob>
  readonly config: Blob
  readonly manifest: Blob
  readonly platform: Platform
}

export const sha256 = (b: Uint8Array): string => `sha256:${createHash("sha256").update(b).digest("hex")}`

const blob = (mediaType: string, bytes: Buffer): Blob => ({ mediaType, bytes, digest: sha256(bytes), size: bytes.length })

/** An uncompressed tar of the entries, in order. */
export async function tarLayer(entries: ReadonlyArray<EntrySpec>): Promise<Buffer> {
  const p = pack()
  // Read while writing: pack applies backpressure once its buffer is full.
  const chunks: Array<Buffer> = []
  const collected = (async () => {
    for await (const c of p) chunks.push(c as Buffer)
  })()
  for (const e of entries) {
    const type = e.type ?? (e.path.endsWith("/") ? "directory" : "file")
    const content = e.content === undefined ? undefined : Buffer.from(e.content)
    const header = {
      name: e.path,
      type,
      mode: e.mode ?? (type === "directory" ? 0o755 : 0o644),
      linkname: e.linkname,
      mtime: new Date(1_700_000_000_000)
    }
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve())
      if (type === "file") p.entry(header, content ?? Buffer.alloc(0), cb)
      else p.entry(header, cb)
    })
  }
  p.finalize()
  await collected
  return Buffer.concat(chunks)
}

function compress(tar: Buffer, compression: Compression): Buffer {
  if (compression === "gzip") return zlib.gzipSync(tar)
  if (compression === "zstd") return (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(tar)
  return tar
}

/** A layer blob from a tar, with the right media type for the format. */
export function layerBlob(tar: Buffer, compression: Compression = "gzip", format: Format = "oci"): LayerBlob {
  const mediaType = format === "docker"
    ? compression === "gzip" ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.docker.image.rootfs.diff.tar"
    : `application/vnd.oci.image.layer.v1.tar${compression === "none" ? "" : `+${compression}`}`
  return { ...blob(mediaType, compress(tar, compression)), diffId: sha256(tar) }
}

/** Builds an image from layers. */
export function buildImage(
  layers: ReadonlyArray<LayerBlob>,
  options: { readonly format?: Format; readonly platform?: Platform; readonly diffIds?: ReadonlyArray<string> } = {}
): BuiltImage {
  const format = options.format ?? "oci"
  const platform = options.platform ?? { os: "linux", architecture: "amd64" }
  const config = blob(
    format === "docker" ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json",
    Buffer.from(JSON.stringify({
      ...platform,
      config: { Env: ["PATH=/usr/bin:/bin"], Cmd: ["/bin/sh"] },
      rootfs: { type: "layers", diff_ids: options.diffIds ?? layers.map((l) => l.diffId) }
    }))
  )
  const descriptor = (b: Blob) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })
  const manifest = blob(
    format === "docker" ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json",
    Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: format === "docker" ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json",
      config: descriptor(config),
      layers: layers.map(descriptor)
    }))
  )
  return { layers, config, manifest, platform }
}

/** An index (or docker manifest list) over images of several platforms. */
export function buildIndex(images: ReadonlyArray<BuiltImage>, format: Format = "oci", extra: ReadonlyArray<object> = []): Blob {
  const mediaType = format === "docker" ? "application/vnd.docker.distribution.manifest.list.v2+json" : "application/vnd.oci.image.index.v1+json"
  return blob(
    mediaType,
    Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: [
        ...images.map((i) => ({ mediaType: i.manifest.mediaType, digest: i.manifest.digest, size: i.manifest.size, platform: i.platform })),
        ...extra
      ]
    }))
  )
}

/** Pushes one blob (POST, then monolithic PUT). */
export async function pushBlob(
  registryUrl: string,
  repo: string,
  b: { readonly bytes: Uint8Array; readonly digest: string },
  headers: Record<string, string> = {}
): Promise<void> {
  const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: "POST", headers })
  await start.arrayBuffer()
  if (start.status !== 202) throw new Error(`upload start: HTTP ${start.status}`)
  const location = new URL(start.headers.get("location")!, registryUrl)
  location.searchParams.set("digest", b.digest)
  const put = await fetch(location, { method: "PUT", headers: { ...headers, "content-type": "application/octet-stream" }, body: b.bytes })
  await put.arrayBuffer()
  if (put.status !== 201) throw new Error(`upload of ${b.digest}: HTTP ${put.status}`)
}

/** Pushes a manifest or index under a tag or digest. */
export async function pushManifest(registryUrl: string, repo: string, reference: string, m: Blob, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${registryUrl}/v2/${repo}/manifests/${reference}`, {
    method: "PUT",
    headers: { ...headers, "content-type": m.mediaType },
    body: m.bytes
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`manifest ${reference}: HTTP ${res.status} ${text}`)
}

/** Pushes an image's blobs and its manifest under `tag`; returns the manifest digest. */
export async function pushImage(registryUrl: string, repo: string, tag: string, image: BuiltImage, headers: Record<string, string> = {}): Promise<string> {
  for (const l of image.layers) await pushBlob(registryUrl, repo, l, headers)
  await pushBlob(registryUrl, repo, image.config, headers)
  await pushManifest(registryUrl, repo, tag, image.manifest, headers)
  return image.manifest.digest
}

/** Pushes images and an index over them under `tag`; returns the index digest. */
export async function pushIndex(registryUrl: string, repo: string, tag: string, images: ReadonlyArray<BuiltImage>, format: Format = "oci"): Promise<string> {
  for (const image of images) await pushImage(registryUrl, repo, image.manifest.digest, image)
  const index = buildIndex(images, format)
  await pushManifest(registryUrl, repo, tag, index)
  return index.digest
}

/** Shorthand: a one-layer image of files pushed under `repo:tag`. */
export async function pushFiles(
  registryUrl: string,
  repo: string,
  tag: string,
  entries: ReadonlyArray<EntrySpec>,
  options: { readonly compression?: Compression; readonly format?: Format } = {}
): Promise<BuiltImage> {
  const image = buildImage([layerBlob(await tarLayer(entries), options.compression ?? "gzip", options.format ?? "oci")], { format: options.format })
  await pushImage(registryUrl, repo, tag, image)
  return image
}
