/**
 * @module
 * The `oci` source plugin: OCI add-ons pulled from a registry (DESIGN §5),
 * with the pull policies of `docs/oci-addons.md`:
 *
 * - `on-add` (default): resolved when added or refreshed; a restart serves
 *   the pinned digest from the cache without the network.
 * - `on-startup`: also re-resolved at each engine start (one HEAD when the
 *   tag is unchanged); an unreachable registry keeps the pinned image with
 *   a warning.
 * - `on-run`: restarts serve the pinned image and re-resolve lazily, at the
 *   first plan or run of one of its jobs. The engine plans from the jobs a
 *   source lists, so adding an `on-run` source still pulls it once.
 * - `always`: before every plan or run, one HEAD; a moved tag is pulled and
 *   swapped in, an unchanged one costs nothing else.
 *
 * Every pull runs in a session (`_session.ts`): one deadline (`pull_timeout`)
 * and the redirect rule of `redirect-guard.ts` on each of its requests.
 *
 * Digest-pinned refs never re-resolve. A digest is verified (`verify.ts`)
 * before it is first used: a moved tag whose new image fails verification
 * leaves the old one serving. `remove` deletes nothing: blobs and rootfs
 * are shared between sources and freed by `gcAddons` (`flwd :gc`).
 */
import { readFileSync } from "node:fs"
import * as Effect from "effect/Effect"
import type { LoadedSource, SourceContext, SourceError, SourcePlugin } from "../../../core/mod.ts"
import {
  type BlobStore, type ImageReference, makeBlobStore, makeRegistryClient, parseImageReference, type RegistryClient, type RegistryOptions,
  sweepPartial, toProblem, type UnpackLimits
} from "../../oci/mod.ts"
import { activePulls } from "./_activity.ts"
import { pullSession } from "./_session.ts"
import { admit } from "./admission.ts"
import { type PullEnv, pullAddon } from "./load-addon.ts"
import { type Pin, readPin } from "./pins.ts"
import { selectTag } from "./select-tag.ts"
import { OciSourceSpec, pullPolicyOf } from "./spec.ts"
import { makeSourceVerifier, type TrustOptions } from "./verify.ts"

/**
 * Options of `makeOciSource`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface OciSourceOptions {
  /** A registry client to use for every pull. Default: one per policy, with the policy's `insecure_registries`. */
  readonly client?: RegistryClient
  /** Further options of the default client (credentials, timeouts, retries). Default none. */
  readonly registry?: Omit<RegistryOptions, "insecureRegistries">
  /** Version checked against an add-on's `requires.flwd`. Default: this package's version. */
  readonly flwdVersion?: string
  /** Layers downloaded at once. Default 3. */
  readonly concurrency?: number
  /** Unpack limits. Default: the OCI library's. */
  readonly limits?: UnpackLimits
  /** How signatures are verified: the public-good root loader, the referrers API request, candidates per path. Default: the trust library's. */
  readonly trust?: TrustOptions
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version
  } catch {
    return "0.0.0"
  }
}

/** Marks an `on-run` source restored from its pin: the first plan or run re-resolves it. */
const PENDING = "pending"

/**
 * Creates the `oci` source plugin.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeOciSource(options: OciSourceOptions = {}): SourcePlugin<OciSourceSpec> {
  const flwdVersion = options.flwdVersion ?? packageVersion()
  const clients = new Map<string, RegistryClient>()
  const stores = new Map<string, BlobStore>()
  const swept = new Map<string, Promise<void>>()

  const env = (ctx: SourceContext): PullEnv => {
    const insecure = [...(ctx.policy.insecure_registries ?? [])]
    const key = JSON.stringify(insecure)
    let client = options.client ?? clients.get(key)
    if (client === undefined) {
      client = makeRegistryClient({ ...options.registry, insecureRegistries: insecure })
      clients.set(key, client)
    }
    let store = stores.get(ctx.dataDir)
    if (store === undefined) {
      store = makeBlobStore(ctx.dataDir)
      stores.set(ctx.dataDir, store)
    }
    return { client, store, flwdVersion, concurrency: options.concurrency, limits: options.limits }
  }
  const verifier = makeSourceVerifier({
    client: (ctx) => env(ctx).client,
    registryOptions: (ctx) => ({ ...options.registry, insecureRegistries: [...(ctx.policy.insecure_registries ?? [])] }),
    trust: options.trust
  })

  // Crash leftovers are swept once per data directory, and only while no live process pulls into it.
  const sweepOnce = (ctx: SourceContext, store: BlobStore) =>
    Effect.promise(() => {
      let done = swept.get(ctx.dataDir)
      if (done === undefined) {
        done = Effect.runPromise(activePulls(ctx.dataDir).pipe(
          Effect.flatMap((pids) => (pids.length > 0 ? Effect.void : Effect.ignore(sweepPartial(ctx.dataDir, store))))
        ))
        swept.set(ctx.dataDir, done)
      }
      return done
    })

  const matches = (pin: Pin | null, spec: OciSourceSpec): pin is Pin =>
    pin !== null && pin.ref === spec.ref && pin.platform === (spec.platform ?? null) && pin.semver === (spec.semver ?? null)

  /** The ref to resolve: the spec's, or its highest tag matching `semver`. */
  const target = (spec: OciSourceSpec, ref: ImageReference, e: PullEnv) =>
    spec.semver !== undefined ? selectTag(e.client, ref, spec.semver) : Effect.succeed(ref)

  /** The pull environment of one session: the scoped client, the shared store. */
  const sessionEnv = (ctx: SourceContext, client: RegistryClient): PullEnv => ({ ...env(ctx), client })

  /** Asks the registry what the ref points at now, verifies that digest and pulls it (nothing when cached). */
  const resolveAndPull = (spec: OciSourceSpec, ctx: SourceContext, pin: Pin | null) =>
    Effect.gen(function*() {
      const ref = parseImageReference(spec.ref)
      const mode = yield* admit(spec.trusted, ref, ctx)
      return yield* pullSession(ctx, spec.ref, env(ctx).client, (client) =>
        Effect.gen(function*() {
          const e = sessionEnv(ctx, client)
          if (ref.digest !== null) {
            const trust = yield* verifier.verify(ctx, ref, ref.digest, mode, false, client)
            return (yield* pullAddon(spec, ctx, e, { ref, pin, resolvedNow: false, trust })).loaded
          }
          const chosen = yield* target(spec, ref, e)
          const head = yield* e.client.resolve(chosen).pipe(Effect.mapError((err) => toProblem(err, chosen.normalized)))
          const trust = yield* verifier.verify(ctx, chosen, head.digest, mode, false, client)
          return (yield* pullAddon(spec, ctx, e, { ref: chosen, digest: head.digest, pin, resolvedNow: true, trust })).loaded
        }))
    })

  /** Serves the pinned image (from the cache when it is there), on the outcome recorded for it when the trust material is unchanged. */
  const fromPin = (spec: OciSourceSpec, ctx: SourceContext, pin: Pin) =>
    Effect.gen(function*() {
      const parsed = parseImageReference(spec.ref)
      const mode = yield* admit(spec.trusted, parsed, ctx)
      const ref = { ...parsed, tag: pin.tag ?? parsed.tag }
      return yield* pullSession(ctx, spec.ref, env(ctx).client, (client) =>
        Effect.gen(function*() {
          const trust = yield* verifier.verify(ctx, ref, pin.resolved_digest, mode, true, client)
          return (yield* pullAddon(spec, ctx, sessionEnv(ctx, client), { ref, digest: pin.resolved_digest, pin, resolvedNow: false, trust })).loaded
        }))
    })

  const load = (spec: OciSourceSpec, ctx: SourceContext): Effect.Effect<LoadedSource, SourceError> =>
    Effect.flatMap(readPin(ctx.dataDir, spec.name), (pin) => resolveAndPull(spec, ctx, matches(pin, spec) ? pin : null))

  const restore = (spec: OciSourceSpec, ctx: SourceContext): Effect.Effect<LoadedSource, SourceError> =>
    Effect.gen(function*() {
      yield* sweepOnce(ctx, env(ctx).store)
      const stored = yield* readPin(ctx.dataDir, spec.name)
      const pin = matches(stored, spec) ? stored : null
      const policy = pullPolicyOf(spec)
      const pinned = parseImageReference(spec.ref).digest !== null
      if (pin === null) return yield* resolveAndPull(spec, ctx, null)
      if (policy === "on-startup" && !pinned) {
        return yield* resolveAndPull(spec, ctx, pin).pipe(
          // An unreachable registry or a new image that fails verification keeps the pinned one serving.
          Effect.catchTag("SourceError", (e) =>
            e.code !== "E_OCI" && e.code !== "image.signature.required" ? Effect.fail(e) : Effect.map(fromPin(spec, ctx, pin), (loaded) => ({
              ...loaded,
              diagnostics: [...loaded.diagnostics, {
                level: "warning" as const,
                code: "source.stale",
                path: ".",
                message: `could not re-resolve ${spec.ref} at startup; serving the pinned ${pin.digest}: ${e.detail}`
              }]
            })))
        )
      }
      const loaded = yield* fromPin(spec, ctx, pin)
      return policy === "on-run" && !pinned ? { ...loaded, provenance: { ...loaded.provenance, resolution: PENDING } } : loaded
    })

  const beforeUse = (spec: OciSourceSpec, current: LoadedSource, ctx: SourceContext): Effect.Effect<LoadedSource | null, SourceError> =>
    Effect.gen(function*() {
      const policy = pullPolicyOf(spec)
      const ref = parseImageReference(spec.ref)
      const pending = current.provenance.resolution === PENDING
      if (ref.digest !== null || !(policy === "always" || (policy === "on-run" && pending))) return null
      return yield* pullSession(ctx, spec.ref, env(ctx).client, (client) =>
        Effect.gen(function*() {
          const e = sessionEnv(ctx, client)
          const chosen = yield* target(spec, ref, e)
          const head = yield* e.client.resolve(chosen).pipe(Effect.mapError((err) => toProblem(err, chosen.normalized)))
          if (head.digest === current.provenance.resolved_digest) {
            if (!pending) return null
            const { resolution: _, ...provenance } = current.provenance
            return { ...current, provenance: { ...provenance, resolved_at: new Date().toISOString() } }
          }
          const pin = yield* readPin(ctx.dataDir, spec.name)
          // The new digest is verified before it replaces the current one; a failure fails this plan and keeps the old image.
          const mode = yield* admit(spec.trusted, ref, ctx)
          const trust = yield* verifier.verify(ctx, chosen, head.digest, mode, false, client)
          return (yield* pullAddon(spec, ctx, e, { ref: chosen, digest: head.digest, pin: matches(pin, spec) ? pin : null, resolvedNow: true, trust })).loaded
        }))
    })

  return {
    type: "oci",
    spec: OciSourceSpec,
    load,
    restore,
    beforeUse,
    // Blobs and rootfs may be shared with other sources (or with this name's replacement): `gcAddons` frees them.
    remove: () => Effect.void
  }
}

/**
 * The `oci` source plugin with default options.
 *
 * @since 0.1.0
 * @category plugins
 */
export const ociSource: SourcePlugin<OciSourceSpec> = makeOciSource()
