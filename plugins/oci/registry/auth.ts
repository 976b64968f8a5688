/**
 * @module
 * Registry authentication as a transport wrapper (distribution "Token
 * Authentication Specification", RFC 6750 Bearer, RFC 7617 Basic). The
 * challenge is learned from the first 401; Bearer tokens are fetched for the
 * request's scopes, shared between concurrent requests and cached until they
 * expire. A cached token the registry refuses (401, or 400 as some registries
 * answer) is refreshed once.
 */
import type { HttpRequest, Transport } from "./_http.ts"
import { discard, headerValues, readBounded, replayable, withHeader } from "./_http.ts"
import { type Challenge, parseChallenges, pickChallenge } from "./challenge.ts"
import type { Credential, CredentialSource } from "./credentials.ts"
import { checkScheme } from "./endpoint.ts"
import { tokenError } from "./response-error.ts"
import { RegistryError } from "../errors.ts"

/**
 * Options of the auth wrapper.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthOptions {
  readonly credentials: CredentialSource
  /** Transport for token requests (retries and redirects, no auth). */
  readonly tokenTransport: Transport
  /** Hosts allowed over plain http besides loopback; token realms are held to it too. */
  readonly insecure?: ReadonlyArray<string>
  /** `client_id` sent with OAuth2 token requests. Default `flwd`. */
  readonly clientId?: string
  readonly now?: () => number
}

interface Token {
  readonly token: string
  readonly expiresAt: number
}

interface Sent {
  readonly header: string
  /** The token came from the cache (it may have expired on the registry's side). */
  readonly cached: boolean
}

interface OriginState {
  challenge: Challenge | null
  credential: Promise<Credential | null> | undefined
}

const MAX_TOKEN_RESPONSE = 1024 * 1024

/** docker.io's API host stands for docker.io when looking up credentials. */
function registryName(url: URL): string {
  return url.host === "registry-1.docker.io" ? "docker.io" : url.host
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`
}

/**
 * Wraps a transport with registry authentication.
 *
 * @since 0.1.0
 * @category wrappers
 */
export function withAuth(next: Transport, options: AuthOptions): Transport {
  const now = options.now ?? Date.now
  const insecure = options.insecure ?? []
  const origins = new Map<string, OriginState>()
  const tokens = new Map<string, Token>()
  const pending = new Map<string, Promise<Token>>()

  const stateOf = (url: URL): OriginState => {
    let st = origins.get(url.origin)
    if (st === undefined) origins.set(url.origin, st = { challenge: null, credential: undefined })
    return st
  }
  const credentialOf = (st: OriginState, url: URL) => (st.credential ??= options.credentials(registryName(url)))

  // Token requests are shared by concurrent callers, so none of their abort signals applies; timeouts bound them.
  async function fetchToken(challenge: Challenge, scopes: ReadonlyArray<string>, credential: Credential | null): Promise<Token> {
    const realm = challenge.params.realm
    if (realm === undefined || realm === "") {
      throw new RegistryError({ reason: "protocol", detail: "Bearer challenge without a realm" })
    }
    let url: URL
    try {
      url = new URL(realm)
    } catch (e) {
      throw new RegistryError({ reason: "protocol", detail: `Bearer realm is not a URL: ${realm.slice(0, 200)}`, cause: e })
    }
    checkScheme(url, insecure, "a token request")
    const service = challenge.params.service
    let req: HttpRequest
    if (credential !== null && "identityToken" in credential) {
      // OAuth2 refresh-token grant (token spec "oauth.md").
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.identityToken, client_id: options.clientId ?? "flwd" })
      if (service !== undefined) form.set("service", service)
      if (scopes.length > 0) form.set("scope", scopes.join(" "))
      req = { method: "POST", url, headers: { "content-type": "application/x-www-form-urlencoded" }, body: Buffer.from(form.toString()) }
    } else {
      if (service !== undefined) url.searchParams.set("service", service)
      for (const scope of scopes) url.searchParams.append("scope", scope)
      const headers: Record<string, string> = {}
      if (credential !== null && "password" in credential) {
        url.searchParams.set("account", credential.username)
        headers.authorization = basic(credential.username, credential.password)
      }
      req = { method: "GET", url, headers }
    }
    // Credentials go to the realm the registry named and nowhere else: a token endpoint is never followed to another host.
    req = { ...req, kind: "token", redirect: () => "a token endpoint is not followed to another host" }
    const res = await options.tokenTransport(req)
    if (res.status !== 200) throw await tokenError(res)
    const body = await readBounded(res, MAX_TOKEN_RESPONSE, url.host)
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown }
    try {
      parsed = JSON.parse(body.toString("utf8"))
    } catch (e) {
      throw new RegistryError({ reason: "protocol", detail: "token endpoint answered with invalid JSON", ref: url.host, cause: e })
    }
    const token = typeof parsed.token === "string" && parsed.token !== "" ? parsed.token : parsed.access_token
    if (typeof token !== "string" || token === "") {
      throw new RegistryError({ reason: "protocol", detail: "token endpoint answered without a token", ref: url.host })
    }
    // "expires_in … If omitted, a default of 60 seconds should be assumed."
    const seconds = typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 60
    const skew = Math.min(30_000, seconds * 100)
    return { token, expiresAt: now() + seconds * 1000 - skew }
  }

  async function authorize(req: HttpRequest, st: OriginState, scopes: ReadonlyArray<string>, fresh: boolean): Promise<Sent | undefined> {
    const challenge = st.challenge
    if (challenge === null) return undefined
    const credential = await credentialOf(st, req.url)
    if (challenge.scheme === "basic") {
      return credential !== null && "password" in credential ? { header: basic(credential.username, credential.password), cached: false } : undefined
    }
    if (credential !== null && "registryToken" in credential) return { header: `Bearer ${credential.registryToken}`, cached: false }
    const key = `${req.url.origin} ${[...scopes].sort().join(" ")}`
    const hit = tokens.get(key)
    if (!fresh && hit !== undefined && hit.expiresAt > now()) return { header: `Bearer ${hit.token}`, cached: true }
    tokens.delete(key)
    let inflight = pending.get(key)
    if (inflight === undefined) {
      inflight = fetchToken(challenge, scopes, credential).finally(() => pending.delete(key))
      pending.set(key, inflight)
    }
    const token = await inflight
    tokens.set(key, token)
    return { header: `Bearer ${token.token}`, cached: false }
  }

  return async (req) => {
    const st = stateOf(req.url)
    let scopes = req.scopes ?? []
    const sent = await authorize(req, st, scopes, false)
    const res = await next(withHeader(req, "authorization", sent?.header))
    const expired = sent?.cached === true && (res.status === 401 || res.status === 400)
    if ((res.status !== 401 && !expired) || !replayable(req)) return res
    const challenge = pickChallenge(parseChallenges(headerValues(res, "www-authenticate")))
    if (challenge === null && (res.status !== 400 || st.challenge === null)) return res
    if (challenge !== null) {
      st.challenge = challenge
      const asked = challenge.params.scope?.split(" ").filter((s) => s !== "") ?? []
      scopes = [...new Set([...scopes, ...asked])]
    }
    // Credentials just used and refused stay refused, unless the registry asks for more scope.
    const moreScope = challenge?.scheme === "bearer" && challenge.params.error === "insufficient_scope"
    if (sent !== undefined && !sent.cached && !moreScope) return res
    const again = await authorize(req, st, scopes, true)
    if (again === undefined) return res
    discard(res)
    return next(withHeader(req, "authorization", again.header))
  }
}
