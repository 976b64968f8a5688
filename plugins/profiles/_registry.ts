/**
 * @module
 * Registry admission shared by the built-in profiles: exact `host[:port]`
 * matching after normalisation, so neither case, a trailing dot nor a suffix
 * (`registry.example.com.evil.example`) can slip past the list. Ports are compared as
 * written: `registry.example.com` does not admit `registry.example.com:443` (list both to allow both),
 * because folding default ports would make one entry name two endpoints.
 */

// A DNS name (labels of letters, digits and inner hyphens), an IPv4 address or a bracketed IPv6 address.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])$/i

/**
 * Why `entry` is not a `host[:port]` registry entry, or null when it is.
 * Schemes, paths, userinfo, wildcards and spaces are refused: each would
 * either never match or suggest a match the engine does not make.
 *
 * @since 0.1.0
 * @category utils
 */
export function registryEntryProblem(entry: string): string | null {
  if (entry === "") return "must be host or host:port, not empty"
  if (entry.includes("://")) return `must be host or host:port without a scheme (${entry.slice(entry.indexOf("://") + 3)})`
  if (entry.includes("@")) return "must be host or host:port; userinfo (user@) is not part of a registry name"
  if (entry.includes("/")) return "must be host or host:port; a path (/…) names a repository, not a registry"
  if (/[*?]/.test(entry)) return "must be an exact host or host:port; wildcards are not supported"
  if (/\s/.test(entry)) return "must be host or host:port without spaces"
  const m = /^(.*?)(?::(\d+))?$/.exec(entry)!
  const [, host, port] = m
  if (!HOST.test(host)) return `${JSON.stringify(host)} is not a host name or IP address`
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range`
  return null
}

/**
 * Normalises a registry name for comparison: lower case, no trailing dot,
 * and `index.docker.io` / `registry-1.docker.io` as `docker.io`.
 *
 * @since 0.1.0
 * @category utils
 */
export function normaliseRegistry(registry: string): string {
  const host = registry.trim().toLowerCase().replace(/\.(?=:\d+$|$)/, "")
  if (host === "index.docker.io" || host === "registry-1.docker.io") return "docker.io"
  return host
}

/**
 * True when `registry` is listed in `allowed` (exact match after
 * normalisation). Malformed entries never match anything.
 *
 * @since 0.1.0
 * @category utils
 */
export function registryListed(registry: string, allowed: ReadonlyArray<string>): boolean {
  if (registryEntryProblem(registry) !== null) return false
  const wanted = normaliseRegistry(registry)
  return allowed.some((entry) => registryEntryProblem(entry) === null && normaliseRegistry(entry) === wanted)
}
