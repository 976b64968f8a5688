/**
 * @module
 * Image references in the Docker/OCI grammar (distribution `reference`
 * package, `reference.go` and `normalize.go`):
 *
 * ```
 * reference := name [ ":" tag ] [ "@" digest ]
 * name      := [ domain "/" ] path-component { "/" path-component }
 * domain    := host [ ":" port ]           host := dns-name | IPv4 | "[" IPv6 "]"
 * ```
 *
 * The first path segment is a domain when it contains `.` or `:`, is
 * `localhost`, or has an uppercase letter; otherwise the registry is
 * `docker.io`, where one-segment names live under `library/`.
 *
 * @example
 * ```ts
 * parseImageReference("ubuntu").normalized // "docker.io/library/ubuntu:latest"
 * ```
 */
import { isIPv4, isIPv6 } from "node:net"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { ValidationError } from "../../core/mod.ts"
import type { Digest } from "./model.ts"

/**
 * A parsed, normalized image reference. `tag` is `latest` only when the
 * input named neither a tag nor a digest; with a digest, the digest wins.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImageReference {
  /** Registry host with optional port: `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  readonly registry: string
  /** Repository path: `library/ubuntu`, `example/addon`. */
  readonly repository: string
  readonly tag: string | null
  readonly digest: Digest | null
  /** `registry/repository[:tag][@digest]`, the canonical spelling. */
  readonly normalized: string
}

/** Distribution's `NameTotalLengthMax`. */
const MAX_NAME = 255
const MAX_TAG = 128
/** Longest possible reference (name, tag, sha512 digest and separators), rounded up; bounds the work on hostile input. */
const MAX_INPUT = 1024

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]*$/
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/
const DNS_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/
const PORT = /^[0-9]+$/

function validHost(host: string): string | null {
  if (host.startsWith("[")) {
    // The distribution grammar allows hex digits and colons only: no
    // embedded IPv4 (`::ffff:1.2.3.4`) and no zone (`%eth0`), which Node's
    // isIPv6 would accept but other registries' clients refuse.
    const ip = host.slice(1, -1)
    if (!host.endsWith("]") || !/^[a-fA-F0-9:]+$/.test(ip) || !isIPv6(ip)) return `invalid IPv6 address ${host}`
    return null
  }
  if (isIPv4(host)) return null
  if (host.length > 253 || !host.split(".").every((c) => DNS_COMPONENT.test(c))) return `invalid registry host ${host}`
  return null
}

function validDomain(domain: string): string | null {
  // The port follows the last ":" outside IPv6 brackets.
  const close = domain.lastIndexOf("]")
  const colon = domain.indexOf(":", close + 1)
  const host = colon === -1 ? domain : domain.slice(0, colon)
  if (colon !== -1) {
    const port = domain.slice(colon + 1)
    if (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535) return `invalid registry port in ${domain}`
  }
  return validHost(host)
}

function isDomain(segment: string): boolean {
  return segment.includes(".") || segment.includes(":") || segment === "localhost" || segment !== segment.toLowerCase()
}

/**
 * The canonical spelling of a reference's parts.
 *
 * @since 0.1.0
 * @category utils
 */
export function formatReference(ref: Pick<ImageReference, "registry" | "repository" | "tag" | "digest">): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== null ? `:${ref.tag}` : ""}${ref.digest !== null ? `@${ref.digest}` : ""}`
}

/**
 * The same image pinned to a digest (the tag is kept for display).
 *
 * @since 0.1.0
 * @category constructors
 */
export function withDigest(ref: ImageReference, digest: Digest): ImageReference {
  const pinned = { ...ref, digest }
  return { ...pinned, normalized: formatReference(pinned) }
}

/**
 * The reference to ask the registry for: the digest when pinned, else the tag.
 *
 * @since 0.1.0
 * @category utils
 */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? "latest"
}

function parse(input: string): Either.Either<ImageReference, string> {
  if (input.length === 0) return Either.left("reference is empty")
  if (input.length > MAX_INPUT) return Either.left(`reference is longer than ${MAX_INPUT} characters`)
  if (/[\s\0]/.test(input)) return Either.left("reference contains whitespace or control characters")

  let rest = input
  let digest: Digest | null = null
  const at = rest.indexOf("@")
  if (at !== -1) {
    const d = rest.slice(at + 1)
    if (!DIGEST.test(d)) return Either.left(`invalid digest ${JSON.stringify(d)}: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`)
    digest = d as Digest
    rest = rest.slice(0, at)
  }

  let tag: string | null = null
  const colon = rest.lastIndexOf(":")
  if (colon > rest.lastIndexOf("/") && colon > rest.lastIndexOf("]")) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (tag.length > MAX_TAG) return Either.left(`tag is longer than ${MAX_TAG} characters`)
    if (!TAG.test(tag)) return Either.left(`invalid tag ${JSON.stringify(tag)}`)
  }

  if (rest.length === 0) return Either.left("repository name is empty")
  // The whole name as written, registry included (the distribution rule).
  if (rest.length > MAX_NAME) return Either.left(`name (registry and repository) is longer than ${MAX_NAME} characters`)

  const slash = rest.indexOf("/")
  let registry = "docker.io"
  let repository = rest
  if (slash !== -1 && isDomain(rest.slice(0, slash))) {
    registry = rest.slice(0, slash)
    repository = rest.slice(slash + 1)
    const bad = validDomain(registry)
    if (bad !== null) return Either.left(bad)
  } else if (rest.startsWith("[")) {
    return Either.left("a registry address needs a repository after it")
  }
  if (repository.length === 0) return Either.left("repository name is empty")
  for (const component of repository.split("/")) {
    if (PATH_COMPONENT.test(component)) continue
    if (component !== component.toLowerCase()) return Either.left("repository name must be lowercase")
    return Either.left(`invalid repository path component ${JSON.stringify(component)}`)
  }
  if (/^[a-f0-9]{64}$/.test(repository) && registry === "docker.io" && slash === -1) {
    return Either.left("a 64-character hexadecimal string is an image id, not a repository name")
  }

  if (registry === "index.docker.io") registry = "docker.io"
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`
  if (tag === null && digest === null) tag = "latest"
  return Either.right({ registry, repository, tag, digest, normalized: formatReference({ registry, repository, tag, digest }) })
}

function invalid(input: string, reason: string, path: string): ValidationError {
  return new ValidationError({
    code: "validation.failed",
    detail: `Invalid image reference ${JSON.stringify(input.slice(0, 300))}: ${reason}`,
    errors: [{ path, message: reason }]
  })
}

/**
 * Parses a reference, or a `ValidationError` (`validation.failed`) whose
 * `errors[0]` names the reason under `path` (default `ref`).
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseImageReferenceEither(input: string, path = "ref"): Either.Either<ImageReference, ValidationError> {
  return Either.mapLeft(parse(input), (reason) => invalid(input, reason, path))
}

/**
 * Parses a reference; throws a `ValidationError` when it is invalid.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * parseImageReference("127.0.0.1:5000/example/addon:1.0.0").registry // "127.0.0.1:5000"
 * ```
 */
export function parseImageReference(input: string, path = "ref"): ImageReference {
  const result = parseImageReferenceEither(input, path)
  if (Either.isLeft(result)) throw result.left
  return result.right
}

/**
 * Parses a reference as an Effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export function imageReference(input: string, path = "ref"): Effect.Effect<ImageReference, ValidationError> {
  return Effect.suspend(() => parseImageReferenceEither(input, path))
}
