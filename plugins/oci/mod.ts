/**
 * @module
 * The OCI library shared by the add-on source and the add-on tools: image
 * references, the registry client (auth, retry, redirects, uploads), the
 * content-addressed blob cache, safe layer unpacking, and `pullImage`, which
 * ties them together. Its errors map onto the engine's `E_OCI` problem.
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { makeBlobStore, makeRegistryClient, parseImageReference, pullImage } from "./plugins/oci/mod.ts"
 *
 * const client = makeRegistryClient()
 * const image = await Effect.runPromise(pullImage(client, {
 *   ref: parseImageReference("127.0.0.1:5000/example/addon:1.0.0"),
 *   store: makeBlobStore(".flwd")
 * }))
 * console.log(image.rootfs) // .flwd/addons/sha256:…/rootfs
 * ```
 */
export * from "./model.ts"
export * from "./digest.ts"
export * from "./errors.ts"
export * from "./problem.ts"
export { isOciProblem, ociProblem, type OciProblemCode, ociProblems } from "./problems/mod.ts"
export * from "./reference.ts"
export * from "./platform.ts"
export * from "./layout.ts"
export * from "./blob-store.ts"
export * from "./resolve-image.ts"
export * from "./pull.ts"
export { layer, makeRegistryClient, type PingResult, Registry, type RegistryClient, type RegistryOptions, type Repository } from "./registry/client.ts"
export { type Challenge, parseChallenges, pickChallenge } from "./registry/challenge.ts"
export {
  chainCredentials,
  type Credential,
  type CredentialSource,
  dockerConfigCredentials,
  type DockerConfigOptions,
  runCredentialHelper,
  staticCredentials
} from "./registry/credentials.ts"
export { allowsPlainHttp, isLoopback, registryBaseUrl } from "./registry/endpoint.ts"
export { decodeManifest, defaultMaxManifestBytes, type FetchedManifest } from "./registry/manifests.ts"
export { backoffMs, retryAfterMs, type RetryOptions } from "./registry/retry.ts"
export type { TimeoutOptions } from "./registry/transport.ts"
export type { UploadBody } from "./registry/uploads.ts"
export { nextLink } from "./registry/tags.ts"
export { type RedirectHop, type RedirectRule, type RequestKind, type RequestScope, type RequestWatch, watchRequests } from "./registry/request-scope.ts"
export { type Compression, compressionOf, hasZstd } from "./unpack/decompress.ts"
export { Budget, defaultLimits, type UnpackLimits } from "./unpack/limits.ts"
export { resolveInRoot } from "./unpack/resolve-in-root.ts"
export type { LayerStats } from "./unpack/unpack-layer.ts"
export { type OpenedLayer, sweepUnpackTemps, unpackImage, type UnpackImageOptions, type UnpackResult } from "./unpack/unpack-image.ts"
export { undici as lazyUndici } from "./registry/_undici.ts"
