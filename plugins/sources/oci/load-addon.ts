/**
 * @module
 * One pull of an add-on, from a reference to the engine's `LoadedSource`
 * (DESIGN §5 steps 4 and 6–9): resolve the manifest, pull and unpack it
 * by digest (a cached image costs no download), read and validate the
 * add-on manifest, discover its jobs, record provenance, and pin the
 * digest. Failures are `E_OCI` or `E_ADDON_MANIFEST` problems.
 *
 * Every blob and the rootfs are leased before they are written
 * (`lease-keys.ts`): first what the reference names, then, once the
 * manifest is known, its config, layers and rootfs. A collection on any
 * engine sharing the store keeps what is leased and what it reaches.
 */
import * as Effect from "effect/Effect"
import { type JobDefinition, type JobImageConfig, type LoadedSource, type SourceContext, SourceError } from "../../../core/mod.ts"
import {
  type BlobStore,
  formatPlatform,
  hostPlatform,
  type ImageConfig,
  type ImageReference,
  ociProblem,
  parsePlatform,
  type PlatformSpec,
  pullImage,
  type RegistryClient,
  resolveImage,
  toProblem,
  type UnpackLimits,
  withDigest
} from "../../oci/mod.ts"
import { withPullMarker } from "./_activity.ts"
import { countingClient, makeReporter } from "./_progress.ts"
import type { ImageTrust } from "./admission.ts"
import { blobKey, imageKeys, rootfsKey } from "./lease-keys.ts"
import { type Pin, writePin } from "./pins.ts"
import { readAddon } from "./read-addon.ts"
import { type OciSourceSpec, pullPolicyOf } from "./spec.ts"
import { trustWarning } from "./verify.ts"

/** What a pull needs besides the spec and the engine's context. @since 0.1.0 @category models */
export interface PullEnv {
  readonly client: RegistryClient
  readonly store: BlobStore
  readonly flwdVersion: string
  readonly concurrency?: number
  readonly limits?: UnpackLimits
  /** Takes leases on keys for as long as the source this pull loads is served; absent: nothing is leased. */
  readonly lease?: (keys: ReadonlyArray<string>) => Effect.Effect<void, SourceError>
}

/** One pull's inputs. @since 0.1.0 @category models */
export interface PullTarget {
  /** The reference to pull; a tag reference is pinned to `digest` first when given. */
  readonly ref: ImageReference
  /** What the tag resolved to (HEAD), when it was resolved. */
  readonly digest?: string
  /** The previous pin of the source, to keep `pulled_at` of an unchanged image. */
  readonly pin: Pin | null
  /** True when the registry was asked what the tag points at now. */
  readonly resolvedNow: boolean
  readonly trust: ImageTrust
}

function samePlatform(a: PlatformSpec, b: PlatformSpec): boolean {
  return a.os === b.os && a.architecture === b.architecture && (b.variant === undefined || a.variant === undefined || a.variant === b.variant)
}

/** The parts of the image config the sandbox honours. @since 0.1.0 @category utils */
export function imageConfigOf(config: ImageConfig): JobImageConfig {
  const c = config.config ?? undefined
  return {
    ...(c?.Env != null ? { Env: [...c.Env] } : {}),
    ...(c?.WorkingDir !== undefined && c.WorkingDir !== "" ? { WorkingDir: c.WorkingDir } : {}),
    ...(c?.User !== undefined && c.User !== "" ? { User: c.User } : {})
  }
}

/**
 * Pulls `target` for `spec` and loads the add-on in it.
 *
 * @since 0.1.0
 * @category constructors
 */
export function pullAddon(
  spec: OciSourceSpec,
  ctx: SourceContext,
  env: PullEnv,
  target: PullTarget
): Effect.Effect<{ readonly loaded: LoadedSource; readonly pin: Pin }, SourceError> {
  return Effect.gen(function* () {
    const ref = target.digest !== undefined && target.ref.digest === null ? withDigest(target.ref, target.digest as never) : target.ref
    const shown = target.ref.normalized
    const platform: PlatformSpec | undefined = spec.platform !== undefined ? parsePlatform(spec.platform) : undefined
    const reporter = yield* makeReporter(ctx, spec.ref.text)
    const lease = env.lease ?? (() => Effect.void)
    // What the reference names is leased before its first blob is written; what that blob reaches is kept with it.
    if (ref.digest !== null) yield* lease([blobKey(ref.digest), rootfsKey(ref.digest)])
    // Resolving writes the index, manifest and config to the cache: under a pull marker as the layers are, so no sweep takes its partial files.
    const image = yield* withPullMarker(ctx.dataDir, resolveImage(env.client, ref, { platform, store: env.store })).pipe(
      Effect.mapError((e) => toProblem(e, shown)),
      Effect.withSpan("source.resolve")
    )
    // An index chooses by platform; a single image is what it is, and a wrong one cannot run.
    if (platform !== undefined && image.indexDigest === null && !samePlatform(image.platform, platform)) {
      return yield* ociProblem(
        "E_OCI",
        `${shown}: no manifest for ${formatPlatform(platform)}; the image is ${formatPlatform(image.platform)} (platform-not-found)`,
        { errors: [{ path: "platform", message: `the image is ${formatPlatform(image.platform)}` }] }
      )
    }
    yield* lease(imageKeys(image))
    reporter.layers(image.manifest.layers)
    let unpacked = 0
    const pulled = yield* withPullMarker(
      ctx.dataDir,
      pullImage(countingClient(env.client, reporter), {
        ref: withDigest(ref, image.resolvedDigest),
        store: env.store,
        platform,
        limits: env.limits,
        concurrency: env.concurrency,
        onProgress: (e) => {
          if (e.type === "layer" && e.state === "unpacked") unpacked += e.bytes ?? 0
          reporter.pull(e)
        }
      })
    ).pipe(
      Effect.mapError((e) => toProblem(e, shown)),
      Effect.ensuring(reporter.flush),
      Effect.withSpan("source.pull", { attributes: { "oci.digest": image.resolvedDigest } })
    )
    const tree = yield* readAddon(pulled.rootfs, "/flwd-addon", { flwdVersion: env.flwdVersion, subject: shown })
    const imageConfig = imageConfigOf(pulled.config)
    // The planner copies a job's warnings into each plan: an unverified image says so in every plan and run.
    const warning = trustWarning(target.trust, withDigest(target.ref, pulled.resolvedDigest).normalized)
    const jobs = tree.jobs.map((job): JobDefinition => ({
      ...job,
      rootfs: pulled.rootfs,
      image_config: imageConfig,
      ...(warning !== null ? { warnings: [...job.warnings, warning] } : {})
    }))
    const diagnostics = [...tree.diagnostics]
    if (platform === undefined && !samePlatform(pulled.platform, hostPlatform())) {
      diagnostics.push({
        level: "warning",
        code: "addon.platform.foreign",
        path: ".",
        message: `the image is ${formatPlatform(pulled.platform)}, this host ${formatPlatform(hostPlatform())}: its programs may not run here`
      })
    }
    const meta = tree.manifest.metadata
    const permissions = tree.manifest.requires.permissions ?? []
    if (permissions.includes("network") && !ctx.profile.runtime(ctx.policy).network) {
      diagnostics.push({
        level: "warning",
        code: "addon.permission.withheld",
        path: "flwd-addon/manifest.yaml",
        message: `the add-on asks for network access; profile ${ctx.profile.name} runs its jobs without network`
      })
    }
    const now = new Date().toISOString()
    const same = target.pin !== null && target.pin.digest === pulled.digest
    const sizes: Record<string, number> = {
      compressed: pulled.manifest.layers.reduce((n, l) => n + l.size, 0),
      downloaded: pulled.downloadedBytes,
      ...(unpacked > 0 ? { unpacked } : same && target.pin!.sizes.unpacked !== undefined ? { unpacked: target.pin!.sizes.unpacked } : {})
    }
    const pin: Pin = {
      ref: spec.ref.text,
      platform: spec.platform ?? null,
      semver: spec.semver ?? null,
      tag: target.ref.tag,
      resolved_digest: pulled.resolvedDigest,
      digest: pulled.digest,
      pulled_at: same ? target.pin!.pulled_at : now,
      sizes: { compressed: sizes.compressed, ...(sizes.unpacked !== undefined ? { unpacked: sizes.unpacked } : {}) }
    }
    const resolvedAt = target.resolvedNow ? now : undefined
    const provenance = {
      type: "oci",
      ref: spec.ref.text,
      image: withDigest(target.ref, pulled.resolvedDigest).normalized,
      ...(target.ref.tag !== null ? { tag: target.ref.tag } : {}),
      digest: pulled.digest,
      resolved_digest: pulled.resolvedDigest,
      index_digest: pulled.indexDigest,
      platform: formatPlatform(pulled.platform),
      pull_policy: pullPolicyOf(spec),
      ...(spec.semver !== undefined ? { semver: spec.semver } : {}),
      pulled_at: pin.pulled_at,
      ...(resolvedAt !== undefined ? { resolved_at: resolvedAt } : {}),
      sizes,
      addon: {
        id: meta.id,
        name: meta.name,
        version: meta.version,
        ...(meta.summary !== undefined ? { summary: meta.summary } : {}),
        ...(meta.license !== undefined ? { license: meta.license } : {}),
        requires: { flwd: tree.manifest.requires.flwd, permissions: [...permissions] }
      },
      image_trust: { ...target.trust }
    }
    yield* writePin(ctx.dataDir, spec.name, pin)
    reporter.finish({ phase: "done", digest: pulled.digest, reused: pulled.reused, downloaded_bytes: pulled.downloadedBytes, jobs: jobs.length })
    yield* reporter.flush
    const loaded: LoadedSource = { root: tree.jobsRoot, jobs, diagnostics, provenance, executor: "sandbox" }
    return { loaded, pin }
  })
}
