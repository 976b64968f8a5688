/**
 * @module
 * The `oci` source's implementation (DESIGN §5), built by the plugin's
 * `make` once per engine: a registry client per policy's insecure list, a
 * blob store per data directory and one signature verifier, all closed with
 * the engine's scope. Nothing is kept at module level, so two engines in
 * one process share no cache, client or verifier.
 *
 * - `resolve` asks the registry what the spec names now (one HEAD, or the
 *   highest tag matching `semver`); a digest-pinned ref resolves to itself
 *   without the network. Admission (trusted, registry) comes first.
 * - `load` serves a pin: verifies its digest (an outcome recorded for the
 *   same digest and trust material stands), pulls what the cache lacks and
 *   unpacks it. Pull policies are core's: core decides when to resolve.
 *
 * Every registry call runs in a session (`_session.ts`): one deadline
 * (`pull_timeout`) and the redirect rule of `redirect-guard.ts`. Blobs and
 * rootfs are shared between sources: `gc` frees them, never a removal; what
 * a killed pull left is the `sweep` hook's (at every engine start).
 *
 * A load leases what it writes (`PluginEnv.leases`) before writing it and
 * holds the leases for as long as the state it loaded is served: through
 * the moment core stores the source's record, until the state is released
 * (removed, replaced) or the engine closes. A load that fails lets go at
 * once. So no engine sharing the store collects an add-on being added or
 * served, whatever its view of the records.
 */
import { flwdPackageVersion } from "../../package-version/mod.ts"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { type LoadedSource, PluginEnv, type SourceContext, type SourceError, type SourceImpl } from "../../../core/mod.ts"
import {
  type BlobStore,
  type ImageReference,
  makeBlobStore,
  makeRegistryClient,
  ociProblem,
  type RegistryClient,
  type RegistryOptions,
  toProblem,
  type UnpackLimits
} from "../../oci/mod.ts"
import { withOciProblem } from "./_problem.ts"
import { pullSession } from "./_session.ts"
import { admit } from "./admission.ts"
import { pullAddon, type PullEnv } from "./load-addon.ts"
import { type Pin, readPin } from "./pins.ts"
import { ociPolicyOf } from "./policy-section.ts"
import { selectTag } from "./select-tag.ts"
import type { OciPin } from "./source-pin.ts"
import type { OciSourceSpec } from "./spec.ts"
import { makeSourceVerifier, type TrustOptions } from "./verify.ts"

/**
 * Options of `makeOciSource`; each documents its default.
 *
 * @since 0.1.0
 * @category models
 */
export interface OciSourceOptions {
  /** A registry client to use for every pull (the caller's: not closed with the engine). Default: one per policy, with the policy's `insecure_registries`. */
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

const packageVersion = flwdPackageVersion

/**
 * Builds the `oci` implementation for one engine; what it opens is closed
 * with `Scope`.
 *
 * @since 0.2.0
 * @category constructors
 */
export function makeOciImpl(options: OciSourceOptions = {}): Effect.Effect<SourceImpl<OciSourceSpec, OciPin>, never, Scope.Scope | PluginEnv> {
  return Effect.gen(function* () {
    const { leases } = yield* PluginEnv
    const engineScope = yield* Effect.scope
    // The leases of each state this engine serves, closed when core releases the state (or with the engine).
    const held = new Map<LoadedSource, Scope.CloseableScope>()
    const flwdVersion = options.flwdVersion ?? packageVersion()
    const clients = new Map<string, RegistryClient>()
    const stores = new Map<string, BlobStore>()
    // Digests this engine's resolve just got from a registry, by source name: the load that follows records `resolved_at`.
    const resolvedNow = new Map<string, string>()

    const insecureOf = (ctx: SourceContext) => [...(ociPolicyOf(ctx.policy).insecure_registries ?? [])]
    const env = (ctx: SourceContext): PullEnv => {
      const insecure = insecureOf(ctx)
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
      registryOptions: (ctx) => ({ ...options.registry, insecureRegistries: insecureOf(ctx) }),
      trust: options.trust
    })
    // The verifier's connections and the clients this engine made close with it; a client given in options is the caller's.
    yield* Effect.addFinalizer(() => Effect.zipRight(verifier.close, Effect.forEach([...clients.values()], (c) => c.close, { discard: true })))

    /** The pin this plugin recorded on disk for `spec` (sizes, pull time), when it answers for the same fields. */
    const recorded = (spec: OciSourceSpec, pin: Pin | null): Pin | null =>
      pin !== null && pin.ref === spec.ref.text && pin.platform === (spec.platform ?? null) && pin.semver === (spec.semver ?? null) ? pin : null

    /** The ref to resolve: the spec's, or its highest tag matching `semver`. */
    const target = (spec: OciSourceSpec, client: RegistryClient): Effect.Effect<ImageReference, SourceError> =>
      spec.semver !== undefined ? selectTag(client, spec.ref, spec.semver) : Effect.succeed(spec.ref)

    const resolve = (spec: OciSourceSpec, ctx: SourceContext): Effect.Effect<OciPin, SourceError> =>
      Effect.gen(function* () {
        // Nothing is asked of a registry the profile does not admit; the allow is journaled by the load that follows.
        yield* admit(spec.trusted, spec.ref, ctx, { journalAllow: false })
        if (spec.ref.digest !== null) return { tag: spec.ref.tag, resolved_digest: spec.ref.digest }
        return yield* pullSession(ctx, spec.ref.text, env(ctx).client, (client) =>
          Effect.gen(function* () {
            const chosen = yield* target(spec, client)
            const head = yield* client.resolve(chosen).pipe(Effect.mapError((err) => toProblem(err, chosen.normalized)))
            resolvedNow.set(spec.name, head.digest)
            return { tag: chosen.tag, resolved_digest: head.digest }
          }))
      })

    const leaseIn = (scope: Scope.Scope) => (keys: ReadonlyArray<string>): Effect.Effect<void, SourceError> =>
      leases === undefined ? Effect.void : Scope.extend(leases.hold(keys), scope).pipe(
        Effect.mapError((e) => ociProblem("E_OCI", `Cannot lease the add-on's files in the store: ${e.detail}`, { cause: e }))
      )

    // Leases taken during the load stay with the state it returns; a failed or interrupted load lets them go.
    const leased = (spec: OciSourceSpec, given: OciPin | null, ctx: SourceContext): Effect.Effect<LoadedSource, SourceError> =>
      Effect.gen(function* () {
        const scope = yield* Scope.fork(engineScope, ExecutionStrategy.sequential)
        const loaded = yield* load(spec, given, ctx, leaseIn(scope)).pipe(
          Effect.onExit((exit) => (Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void))
        )
        held.set(loaded, scope)
        return loaded
      })

    const release = (loaded: LoadedSource): Effect.Effect<void> =>
      Effect.suspend(() => {
        const scope = held.get(loaded)
        held.delete(loaded)
        return scope === undefined ? Effect.void : Scope.close(scope, Exit.void)
      })

    const load = (
      spec: OciSourceSpec,
      given: OciPin | null,
      ctx: SourceContext,
      lease: (keys: ReadonlyArray<string>) => Effect.Effect<void, SourceError>
    ): Effect.Effect<LoadedSource, SourceError> =>
      Effect.gen(function* () {
        const pin = given ?? (yield* resolve(spec, ctx))
        const mode = yield* admit(spec.trusted, spec.ref, ctx)
        const previous = recorded(spec, yield* readPin(ctx.dataDir, spec.name))
        const served = previous !== null && previous.resolved_digest === pin.resolved_digest
        const ref = spec.ref.digest !== null ? spec.ref : { ...spec.ref, tag: pin.tag ?? spec.ref.tag }
        const asked = resolvedNow.get(spec.name) === pin.resolved_digest
        resolvedNow.delete(spec.name)
        return yield* pullSession(ctx, spec.ref.text, env(ctx).client, (client) =>
          Effect.gen(function* () {
            // A digest served before under the same trust material keeps its recorded outcome; a new one is verified before any blob is fetched.
            const trust = yield* verifier.verify(ctx, ref, pin.resolved_digest, mode, served, client)
            const e = { ...env(ctx), client, lease }
            return (yield* pullAddon(spec, ctx, e, { ref, digest: pin.resolved_digest, pin: previous, resolvedNow: asked, trust })).loaded
          }))
      })

    // The plugin's codes carry their entry (status, title) wherever the error goes.
    return {
      resolve: (spec, ctx) => Effect.mapError(resolve(spec, ctx), withOciProblem),
      load: (spec, pin, ctx) => Effect.mapError(leased(spec, pin, ctx), withOciProblem),
      release: (_spec, loaded) => release(loaded)
    }
  })
}
