/**
 * @module
 * The registry client: the transport stack (undici → user agent → redirects
 * → retry → auth) and the operations as Effects. Every knob is an option
 * with a documented default (go-containerregistry `remote/options.go`).
 * `scoped` gives one caller a view of the same client (connections, tokens)
 * whose requests carry that caller's redirect rule and deadline.
 */
import type { Dispatcher } from "undici"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { RegistryError } from "../errors.ts"
import type { Descriptor, Digest } from "../model.ts"
import { type ImageReference, manifestReference } from "../reference.ts"
import { headerValues, networkError, type Transport } from "./_http.ts"
import type { RepoContext } from "./_repo.ts"
import { withAuth } from "./auth.ts"
import { blobSize, readBlob, readBlobBytes } from "./blobs.ts"
import { type Challenge, parseChallenges } from "./challenge.ts"
import { chainCredentials, type Credential, dockerConfigCredentials, type DockerConfigOptions, staticCredentials } from "./credentials.ts"
import { registryBaseUrl } from "./endpoint.ts"
import { defaultMaxManifestBytes, type FetchedManifest, getManifest, headManifest, putManifest } from "./manifests.ts"
import { withRedirects } from "./redirect.ts"
import { type RetryOptions, withRetry } from "./retry.ts"
import { type RequestScope, scopeTransport } from "./request-scope.ts"
import { listTags } from "./tags.ts"
import { makeAgent, type TimeoutOptions, undiciTransport } from "./transport.ts"
import { finishUpload, mountBlob, patchUpload, pushBlob, startUpload, type UploadBody } from "./uploads.ts"
import { defaultUserAgent, withUserAgent } from "./user-agent.ts"

/**
 * Options of the registry client.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegistryOptions {
  /** Registries (`host[:port]` or host) reachable over plain http. Loopback always is. Default none. */
  readonly insecureRegistries?: ReadonlyArray<string>
  /** Credentials by registry, tried before the Docker configuration. Default none. */
  readonly credentials?: Readonly<Record<string, Credential>>
  /** Where to read Docker CLI credentials; `false` to ignore them. Default `~/.docker/config.json`. */
  readonly dockerConfig?: DockerConfigOptions | false
  /** Default `flwd/0.1.0`. */
  readonly userAgent?: string
  /** Default 4 retries, 250 ms doubling to 8 s, at most 60 s of waiting per request; a `Retry-After` above 30 s gives up. */
  readonly retry?: RetryOptions
  /** Default: connect 30 s, idle 60 s. */
  readonly timeouts?: TimeoutOptions
  /** Largest manifest, index or config accepted. Default 4 MiB. */
  readonly maxManifestBytes?: number
  /** Range requests after a broken blob download. Default 5. */
  readonly resumes?: number
  /** An undici dispatcher to use instead of the client's own agent (not closed by `close`). */
  readonly dispatcher?: Dispatcher
}

/** A repository on a registry; an `ImageReference` is one. @since 0.1.0 @category models */
export interface Repository {
  readonly registry: string
  readonly repository: string
}

/** What `GET /v2/` answered, without credentials. @since 0.1.0 @category models */
export interface PingResult {
  readonly status: number
  readonly challenges: ReadonlyArray<Challenge>
}

/**
 * The registry operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegistryClient {
  readonly ping: (registry: string) => Effect.Effect<PingResult, RegistryError>
  /** The descriptor a reference points at (HEAD, GET as fallback). */
  readonly resolve: (ref: ImageReference) => Effect.Effect<Descriptor, RegistryError>
  readonly manifest: (repo: Repository, reference: string) => Effect.Effect<FetchedManifest, RegistryError>
  /** All tags, following `Link` pages of `pageSize` (default 1000). */
  readonly tags: (repo: Repository, options?: { readonly pageSize?: number }) => Effect.Effect<ReadonlyArray<string>, RegistryError>
  /** A blob's bytes, verified against the descriptor as they stream. */
  readonly blob: (repo: Repository, descriptor: Descriptor) => Stream.Stream<Uint8Array, RegistryError>
  /** The same as an async iterable for Node stream pipelines; it fails with `RegistryError`. */
  readonly readBlob: (repo: Repository, descriptor: Descriptor, signal?: AbortSignal) => AsyncIterable<Uint8Array>
  readonly blobBytes: (repo: Repository, descriptor: Descriptor) => Effect.Effect<Uint8Array, RegistryError>
  readonly blobSize: (repo: Repository, digest: string) => Effect.Effect<number | null, RegistryError>
  readonly startUpload: (repo: Repository) => Effect.Effect<URL, RegistryError>
  readonly patchUpload: (repo: Repository, session: URL, chunk: Uint8Array, offset: number) => Effect.Effect<URL, RegistryError>
  readonly finishUpload: (repo: Repository, session: URL, digest: Digest, body?: UploadBody) => Effect.Effect<void, RegistryError>
  readonly pushBlob: (repo: Repository, bytes: Uint8Array) => Effect.Effect<Digest, RegistryError>
  readonly mountBlob: (repo: Repository, from: string, digest: Digest) => Effect.Effect<{ readonly mounted: boolean; readonly session?: URL }, RegistryError>
  readonly putManifest: (repo: Repository, reference: string, bytes: Uint8Array, mediaType: string) => Effect.Effect<Digest, RegistryError>
  /**
   * The same client for one caller: its requests carry `scope` (redirect
   * rule, deadline, watch). Connections and tokens stay shared; the view's
   * `close` does nothing.
   */
  readonly scoped: (scope: RequestScope) => RegistryClient
  /** Closes the client's connections. */
  readonly close: Effect.Effect<void>
}

/**
 * The registry client as a service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Registry extends Context.Tag("flwd/oci/Registry")<Registry, RegistryClient>() {}

function attempt<A>(f: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, RegistryError> {
  return Effect.tryPromise({
    try: f,
    catch: (e) => (e instanceof RegistryError ? e : networkError(e))
  })
}

/**
 * Creates a registry client. Call `close` when done (the layer does).
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeRegistryClient(options: RegistryOptions = {}): RegistryClient {
  const insecure = options.insecureRegistries ?? []
  const agent = options.dispatcher === undefined ? makeAgent(options.timeouts) : undefined
  const base: Transport = withRedirects(withUserAgent(undiciTransport(options.dispatcher ?? agent!), options.userAgent ?? defaultUserAgent), { insecure })
  const plain = withRetry(base, options.retry)
  const sources = [staticCredentials(options.credentials ?? {})]
  if (options.dockerConfig !== false) sources.push(dockerConfigCredentials(options.dockerConfig ?? {}))
  const authed = withAuth(plain, { credentials: chainCredentials(...sources), tokenTransport: plain, insecure })
  const maxManifest = options.maxManifestBytes ?? defaultMaxManifestBytes
  const close = Effect.promise(async () => {
    // destroy, not close: a hung request must not keep the client open.
    if (agent !== undefined) await agent.destroy().catch(() => {})
  })
  return operations(authed, plain, close)

  function operations(transport: Transport, plain: Transport, close: Effect.Effect<void>): RegistryClient {
    const ctx = (repo: Repository, signal?: AbortSignal): RepoContext => ({
      transport,
      base: registryBaseUrl(repo.registry, insecure),
      repository: repo.repository,
      name: `${repo.registry}/${repo.repository}`,
      signal
    })

    const readBlobIterable = (repo: Repository, descriptor: Descriptor, signal?: AbortSignal) =>
      readBlob(ctx(repo, signal), descriptor, { resumes: options.resumes })

    return {
      ping: (registry) =>
        attempt(async (signal) => {
          const res = await plain({ method: "GET", url: new URL("/v2/", registryBaseUrl(registry, insecure)), kind: "ping", signal })
          res.body.resume()
          return { status: res.status, challenges: parseChallenges(headerValues(res, "www-authenticate")) }
        }),
      resolve: (ref) => attempt((signal) => headManifest(ctx(ref, signal), manifestReference(ref), maxManifest)),
      manifest: (repo, reference) => attempt((signal) => getManifest(ctx(repo, signal), reference, maxManifest)),
      tags: (repo, o) => attempt((signal) => listTags(ctx(repo, signal), { pageSize: o?.pageSize })),
      blob: (repo, descriptor) =>
        Stream.suspend(() => {
          const controller = new AbortController()
          return Stream.fromAsyncIterable(readBlobIterable(repo, descriptor, controller.signal), (e) => e instanceof RegistryError ? e : networkError(e)).pipe(
            Stream.ensuring(Effect.sync(() => controller.abort()))
          )
        }),
      readBlob: readBlobIterable,
      blobBytes: (repo, descriptor) => attempt((signal) => readBlobBytes(ctx(repo, signal), descriptor, maxManifest)),
      blobSize: (repo, digest) => attempt((signal) => blobSize(ctx(repo, signal), digest)),
      startUpload: (repo) => attempt((signal) => startUpload(ctx(repo, signal))),
      patchUpload: (repo, session, chunk, offset) => attempt((signal) => patchUpload(ctx(repo, signal), session, chunk, offset)),
      finishUpload: (repo, session, digest, body) => attempt((signal) => finishUpload(ctx(repo, signal), session, digest, body)),
      pushBlob: (repo, bytes) => attempt((signal) => pushBlob(ctx(repo, signal), bytes)),
      mountBlob: (repo, from, digest) => attempt((signal) => mountBlob(ctx(repo, signal), from, digest)),
      putManifest: (repo, reference, bytes, mediaType) => attempt((signal) => putManifest(ctx(repo, signal), reference, bytes, mediaType)),
      scoped: (scope) => operations(scopeTransport(transport, scope), scopeTransport(plain, scope), Effect.void),
      close
    }
  }
}

/**
 * A layer providing the client; connections are closed when the scope ends.
 *
 * @since 0.1.0
 * @category layers
 */
export function layer(options: RegistryOptions = {}): Layer.Layer<Registry> {
  return Layer.scoped(Registry, Effect.acquireRelease(Effect.sync(() => makeRegistryClient(options)), (client) => client.close))
}
