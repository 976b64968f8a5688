/**
 * @module
 * Where a registry's API lives and whether plain `http://` may be used.
 * Loopback registries may always use http; others only when listed as
 * insecure (DESIGN §5 "Registry access"). `docker.io` is served from
 * `registry-1.docker.io`.
 */
import { isIP } from "node:net"
import { RegistryError } from "../errors.ts"

/** Host part of `host[:port]`, IPv6 brackets removed, lowercased. @since 0.1.0 @category utils */
export function hostOf(hostPort: string): string {
  const s = hostPort.toLowerCase()
  if (s.startsWith("[")) return s.slice(1, s.indexOf("]"))
  const colon = s.lastIndexOf(":")
  return colon === -1 ? s : s.slice(0, colon)
}

/**
 * True for loopback hosts: `localhost`, `127.0.0.0/8`, `::1`.
 *
 * @since 0.1.0
 * @category utils
 */
export function isLoopback(hostPort: string): boolean {
  const host = hostOf(hostPort)
  if (host === "localhost" || host.endsWith(".localhost")) return true
  if (isIP(host) === 4) return host.startsWith("127.")
  return host === "::1" || host === "0:0:0:0:0:0:0:1"
}

/**
 * Whether plain http is allowed for `host[:port]`: loopback, or listed in
 * `insecure` (by `host:port` or by bare host).
 *
 * @since 0.1.0
 * @category utils
 */
export function allowsPlainHttp(hostPort: string, insecure: ReadonlyArray<string>): boolean {
  if (isLoopback(hostPort)) return true
  const lower = hostPort.toLowerCase()
  return insecure.some((entry) => {
    const e = entry.toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "")
    return e === lower || e === hostOf(lower)
  })
}

/**
 * The base URL of a registry's API (`https://registry-1.docker.io` for docker.io).
 *
 * @since 0.1.0
 * @category utils
 */
export function registryBaseUrl(registry: string, insecure: ReadonlyArray<string>): URL {
  const host = registry === "docker.io" ? "registry-1.docker.io" : registry
  return new URL(`${allowsPlainHttp(registry, insecure) ? "http" : "https"}://${host}`)
}

/** Refuses a plain-http URL whose host is not allowed to use it. @since 0.1.0 @category utils */
export function checkScheme(url: URL, insecure: ReadonlyArray<string>, what: string): void {
  if (url.protocol === "https:") return
  if (url.protocol === "http:" && allowsPlainHttp(url.host, insecure)) return
  throw new RegistryError({
    reason: "insecure",
    detail: `refusing ${what} over ${url.protocol.replace(":", "")}: ${url.host} is not listed as an insecure registry`,
    ref: url.host
  })
}
