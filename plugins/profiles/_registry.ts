/**
 * @module
 * Registry admission shared by the built-in profiles: exact host[:port]
 * matching after normalisation, so neither case, a trailing dot nor a suffix
 * (`ghcr.io.evil.example`) can slip past the list.
 */

/** Normalises a registry host for comparison (`index.docker.io` is `docker.io`). */
export function normaliseRegistry(registry: string): string {
  const host = registry.trim().toLowerCase().replace(/\.(?=:|$)/, "")
  if (host === "index.docker.io" || host === "registry-1.docker.io") return "docker.io"
  return host
}

/** True when `registry` is listed in `allowed` (exact match after normalisation). */
export function registryListed(registry: string, allowed: ReadonlyArray<string>): boolean {
  const wanted = normaliseRegistry(registry)
  return allowed.some((entry) => normaliseRegistry(entry) === wanted)
}
