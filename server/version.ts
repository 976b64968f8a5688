/**
 * @module
 * The version the server reports (`/healthz`, `flwd_build_info`), read from
 * the package manifest next to the sources.
 */
import { readFileSync } from "node:fs"

let cached: string | undefined

/** The package version, or `unknown` when the manifest cannot be read. */
export function packageVersion(): string {
  if (cached !== undefined) return cached
  try {
    cached = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
  } catch {
    cached = "unknown"
  }
  return cached
}
