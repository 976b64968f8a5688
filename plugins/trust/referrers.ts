/**
 * @module
 * The OCI 1.1 referrers API (distribution spec "Listing Referrers"):
 * `GET /v2/<name>/referrers/<digest>?artifactType=…` answers an image index
 * of the manifests whose `subject` is the digest. A registry without the API
 * answers 404 (or 400/405/501); the caller then falls back to the referrers
 * tag schema. The answer is bounded in bytes and never paged further.
 *
 * The OCI library's client has no referrers call yet, so this is a small
 * anonymous client of its own: a registry that demands credentials for it
 * is treated as lacking the API, and the fallback tag is read through the
 * authenticated client instead.
 */
import type { Dispatcher } from "undici"
import { lazyUndici } from "../oci/mod.ts"
import * as Effect from "effect/Effect"
import { type Digest, messageOf, registryBaseUrl, RegistryError, type Repository } from "../oci/mod.ts"
import { TrustMediaType } from "./model.ts"

/**
 * What the referrers API said.
 *
 * @since 0.1.0
 * @category models
 */
export type ReferrersAnswer =
  | { readonly supported: false; readonly detail: string }
  | { readonly supported: true; readonly manifests: ReadonlyArray<unknown> }

/**
 * Asks a registry for the referrers of a digest.
 *
 * @since 0.1.0
 * @category models
 */
export type ReferrersFetch = (repo: Repository, digest: Digest, artifactType: string) => Effect.Effect<ReferrersAnswer, RegistryError>

/**
 * Options of the built-in referrers client.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpReferrersOptions {
  /** undici dispatcher; default an agent with 30 s connect and 60 s idle timeouts (closed by `close`). */
  readonly dispatcher?: Dispatcher
  /** Registries reachable over plain http besides loopback. Default none. */
  readonly insecureRegistries?: ReadonlyArray<string>
  /** Largest answer read. Default 4 MiB (about 12,000 descriptors). */
  readonly maxBytes?: number
}

const UNSUPPORTED = new Set([400, 404, 405, 501])

async function readBody(body: Dispatcher.ResponseData["body"], max: number, ref: string): Promise<Buffer> {
  const chunks: Array<Buffer> = []
  let total = 0
  for await (const chunk of body) {
    total += (chunk as Buffer).length
    if (total > max) {
      body.destroy()
      throw new RegistryError({ reason: "too-large", detail: `referrers answer is larger than ${max} bytes`, ref })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * The built-in referrers client, anonymous, over undici.
 *
 * @since 0.1.0
 * @category constructors
 */
export function httpReferrers(options: HttpReferrersOptions = {}): { readonly fetch: ReferrersFetch; readonly close: Effect.Effect<void> } {
  const own = options.dispatcher === undefined
    ? new (lazyUndici().Agent)({ connect: { timeout: 30_000 }, headersTimeout: 60_000, bodyTimeout: 60_000 })
    : undefined
  const dispatcher = options.dispatcher ?? own!
  const max = options.maxBytes ?? 4 * 1024 * 1024
  const fetch: ReferrersFetch = (repo, digest, artifactType) =>
    Effect.tryPromise({
      try: async (signal) => {
        const ref = `${repo.registry}/${repo.repository}@${digest}`
        const url = new URL(`/v2/${repo.repository}/referrers/${digest}`, registryBaseUrl(repo.registry, options.insecureRegistries ?? []))
        url.searchParams.set("artifactType", artifactType)
        const res = await lazyUndici().request(url, { dispatcher, method: "GET", headers: { accept: TrustMediaType.OciIndex }, signal })
        if (res.statusCode !== 200) {
          await res.body.dump({ limit: 65_536 })
          if (UNSUPPORTED.has(res.statusCode)) return { supported: false, detail: "unsupported" } as const
          if (res.statusCode === 401 || res.statusCode === 403) return { supported: false, detail: "needs credentials" } as const
          throw new RegistryError({
            reason: res.statusCode >= 500 ? "server" : "protocol",
            detail: `referrers API answered HTTP ${res.statusCode}`,
            status: res.statusCode,
            ref
          })
        }
        let json: unknown
        try {
          json = JSON.parse((await readBody(res.body, max, ref)).toString("utf8"))
        } catch (e) {
          if (e instanceof RegistryError) throw e
          throw new RegistryError({ reason: "protocol", detail: "referrers answer is not JSON", ref, cause: e })
        }
        const manifests = (json as { manifests?: unknown } | null)?.manifests
        if (!Array.isArray(manifests)) throw new RegistryError({ reason: "protocol", detail: "referrers answer is not an image index", ref })
        return { supported: true, manifests } as const
      },
      catch: (e) => e instanceof RegistryError ? e : new RegistryError({ reason: "network", detail: messageOf(e), cause: e })
    })
  return { fetch, close: Effect.promise(async () => void (await own?.destroy().catch(() => {}))) }
}
