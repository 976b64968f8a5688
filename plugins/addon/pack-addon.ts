/**
 * @module
 * `packAddon`: an authoring directory to an OCI image, without Docker.
 * The pipeline: validate (the checks of adding a source) → collect the
 * tree → write the `/flwd-addon/` layer → resolve the base image (if any)
 * → config and manifest → write an OCI layout and/or push. The same
 * inputs give the same manifest digest (see build-layer.ts, image-config.ts).
 */
import { mkdtemp, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import { ValidationError } from "../../core/mod.ts"
import {
  type Digest,
  digestOf,
  hostPlatform,
  makeRegistryClient,
  MediaType,
  parseImageReference,
  parsePlatform,
  type PlatformSpec,
  type RegistryClient,
  type RegistryOptions
} from "../oci/mod.ts"
import { asProblem, runAddonEffect } from "./_run.ts"
import { type BaseImage, resolveBase } from "./base-image.ts"
import { buildLayer } from "./build-layer.ts"
import { collectAddonEntries, collectRootfsEntries } from "./collect-tree.ts"
import { addonLabels, buildConfig, buildManifest, rfc3339 } from "./image-config.ts"
import { writeOciLayout } from "./oci-layout.ts"
import { type PushProgress, type PushResult, pushStaged } from "./push-image.ts"
import type { StagedImage } from "./staged-image.ts"
import type { UploadOptions } from "./upload-blob.ts"
import { validateAddon } from "./validate-addon.ts"

/**
 * Options of `packAddon`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PackAddonOptions extends UploadOptions {
  /** The authoring directory (`manifest.yaml`, `jobs/`). */
  readonly dir: string
  /** The image's name, `registry/repository:tag`: pushed to with `push`, its tag names the image in a layout. */
  readonly tag: string
  /** A base image whose layers go under the add-on layer. Default none (only the add-on layer). */
  readonly base?: string
  /** `os/arch[/variant]`: of the base to pick, or of the image from scratch. Default: the host's. */
  readonly platform?: string
  /** Write the image into this OCI layout directory. Default: no layout. */
  readonly ociLayout?: string
  /** Push to `tag`'s registry. Default false. */
  readonly push?: boolean
  /** Seconds since the epoch for file mtimes and `created`. Default `$SOURCE_DATE_EPOCH`, else mtimes 0 and no `created`. */
  readonly sourceDateEpoch?: number
  /** Checked against `requires.flwd`. Default: this flwd's version. */
  readonly flwdVersion?: string
  /** Refuse jobs whose interpreter the image lacks (`addon.interpreter.missing`). Default true. */
  readonly checkInterpreters?: boolean
  /** Default: a new client with `registry` options, closed afterwards. */
  readonly client?: RegistryClient
  readonly registry?: RegistryOptions
  /** Where the layer is written before it goes to the layout or registry. Default: the OS temp directory. */
  readonly workDir?: string
  /** Blobs pushed at once. Default 3. */
  readonly concurrency?: number
  readonly onProgress?: (event: PushProgress) => void
}

/**
 * A packed add-on image.
 *
 * @since 0.1.0
 * @category models
 */
export interface PackResult {
  /** The image manifest digest. */
  readonly digest: Digest
  /** `tag`, normalised. */
  readonly ref: string
  /** Manifest size in bytes. */
  readonly size: number
  readonly mediaType: string
  readonly addon: { readonly id: string; readonly name: string; readonly version: string }
  readonly layer: { readonly digest: Digest; readonly diffId: Digest; readonly size: number }
  readonly platform: PlatformSpec
  readonly manifest: Record<string, unknown>
  readonly config: Record<string, unknown>
  readonly layout?: string
  readonly pushed?: PushResult
}

const usage = (path: string, message: string, detail: string) => new ValidationError({ code: "validation.failed", detail, errors: [{ path, message }] })

function epochOf(options: PackAddonOptions): number | undefined {
  if (options.sourceDateEpoch !== undefined) return options.sourceDateEpoch
  const raw = process.env.SOURCE_DATE_EPOCH
  if (raw === undefined || raw === "") return undefined
  if (!/^\d{1,12}$/.test(raw)) {
    throw usage(
      "SOURCE_DATE_EPOCH",
      "must be whole seconds since 1970",
      `SOURCE_DATE_EPOCH=${JSON.stringify(raw.slice(0, 40))} is not whole seconds since 1970`
    )
  }
  return Number(raw)
}

/**
 * Packs the add-on in `options.dir` into an image. Fails with the
 * validation problem (`E_ADDON_MANIFEST`, `discovery.invalid`) of an
 * invalid add-on or refused entry, `E_OCI` for registry failures.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const packed = await packAddon({ dir: "hello-tools", tag: "127.0.0.1:5000/example/hello-tools:0.1.0", push: true })
 * console.log(packed.digest)
 * ```
 */
export async function packAddon(options: PackAddonOptions): Promise<PackResult> {
  const ref = parseImageReference(options.tag, "tag")
  if (ref.digest !== null) {
    throw usage("tag", "must name a tag, not a digest", `--tag ${ref.normalized} names a digest; the digest of a packed image is computed, give a tag`)
  }
  const epoch = epochOf(options)
  if (!(await stat(options.dir).then((s) => s.isDirectory(), () => false))) {
    throw usage("dir", "is not a directory", `${options.dir} is not a directory`)
  }
  const validation = await validateAddon({
    target: options.dir,
    flwdVersion: options.flwdVersion,
    base: options.base,
    platform: options.platform,
    registry: options.registry,
    ...(options.checkInterpreters !== undefined ? { checkInterpreters: options.checkInterpreters } : {})
  })
  if (!validation.valid) throw validation.problem!
  const tree = validation.manifest!
  const entries = await collectAddonEntries(options.dir)
  const rootfs = await collectRootfsEntries(options.dir)
  const client = options.client ?? makeRegistryClient(options.registry)
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "flwd-addon-pack-"))
  try {
    const base: BaseImage | undefined = options.base === undefined
      ? undefined
      : await runAddonEffect(resolveBase(client, options.base, options.platform !== undefined ? parsePlatform(options.platform) : undefined), options.base)
    const platform = base?.platform ?? (options.platform !== undefined ? parsePlatform(options.platform) : hostPlatform())
    const mtime = new Date((epoch ?? 0) * 1000)
    // rootfs/ is its own layer under the add-on's: it changes rarely, so pushes skip it.
    const rootLayer = rootfs.length > 0 ? await buildLayer(rootfs, join(work, "rootfs.tar.gz"), { mtime }) : undefined
    const layer = await buildLayer(entries, join(work, "layer.tar.gz"), { mtime })
    const created = epoch !== undefined ? rfc3339(epoch) : undefined
    const labels = addonLabels(tree, created)
    const meta = tree.metadata
    const configBytes = buildConfig({
      base: base?.config,
      platform,
      diffId: layer.diffId,
      ...(rootLayer !== undefined ? { rootfsDiffId: rootLayer.diffId } : {}),
      labels,
      created,
      comment: `flwd add-on ${meta.id} ${meta.version}`
    })
    const config = { mediaType: MediaType.OciConfig, digest: digestOf(configBytes), size: configBytes.length }
    const layerDescriptor = { mediaType: MediaType.OciLayerGzip, digest: layer.digest, size: layer.size }
    const annotations = {
      ...labels,
      ...(base !== undefined ? { "org.opencontainers.image.base.name": base.name, "org.opencontainers.image.base.digest": base.digest } : {})
    }
    const rootDescriptor = rootLayer !== undefined ? { mediaType: MediaType.OciLayerGzip, digest: rootLayer.digest, size: rootLayer.size } : undefined
    const own = rootDescriptor !== undefined ? [rootDescriptor, layerDescriptor] : [layerDescriptor]
    const manifestBytes = buildManifest(config, [...(base?.layers ?? []).map((l) => l.descriptor), ...own], annotations)
    let image: StagedImage = {
      manifest: { mediaType: MediaType.OciManifest, digest: digestOf(manifestBytes), size: manifestBytes.length },
      manifestBytes,
      blobs: [
        { descriptor: config, bytes: configBytes },
        ...(base?.layers ?? []),
        ...(rootDescriptor !== undefined ? [{ descriptor: rootDescriptor, path: rootLayer!.path }] : []),
        { descriptor: layerDescriptor, path: layer.path }
      ]
    }
    if (options.ociLayout !== undefined) {
      image = await writeOciLayout(options.ociLayout, image, ref.tag ?? "latest", client).catch((e) => Promise.reject(asProblem(e, options.base)))
    }
    const pushed = options.push === true ? await runAddonEffect(pushStaged(client, image, options.tag, options), ref.normalized) : undefined
    return {
      digest: image.manifest.digest,
      ref: ref.normalized,
      size: manifestBytes.length,
      mediaType: MediaType.OciManifest,
      addon: { id: meta.id, name: meta.name, version: meta.version },
      layer: { digest: layer.digest, diffId: layer.diffId, size: layer.size },
      platform,
      manifest: JSON.parse(Buffer.from(manifestBytes).toString("utf8")),
      config: JSON.parse(Buffer.from(configBytes).toString("utf8")),
      ...(options.ociLayout !== undefined ? { layout: options.ociLayout } : {}),
      ...(pushed !== undefined ? { pushed } : {})
    }
  } finally {
    await rm(work, { recursive: true, force: true })
    if (options.client === undefined) await Effect.runPromise(client.close)
  }
}
