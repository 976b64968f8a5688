/**
 * @module
 * The Sigstore public-good trusted root, fetched with `@sigstore/tuf` (TUF
 * spec §5, the client workflow) from the library's default mirror, starting
 * from the root the library embeds, and cached under `<dataDir>/tuf`. It is
 * used only when the policy names keyless identities and no
 * `trust.trusted_root`, and only once a keyless bundle must be verified;
 * with a configured root nothing here runs (STYLE §10).
 */
import { join } from "node:path"
import { trustedRootJson } from "./_sigstore.ts"

/**
 * Fetches (or reads from the TUF cache) the public-good `trusted_root.json`
 * and returns it as JSON. The TUF client refreshes its metadata when the
 * cached copy expired.
 *
 * @since 0.1.0
 * @category constructors
 */
export type RootLoader = (options: { readonly cachePath: string }) => Promise<unknown>

/** The TUF cache directory under the data directory. @since 0.1.0 @category utils */
export function tufCachePath(dataDir: string): string {
  return join(dataDir, "tuf")
}

/**
 * The default loader: `@sigstore/tuf` with its default mirror and embedded root.
 *
 * @since 0.1.0
 * @category constructors
 */
export const publicGoodRoot: RootLoader = async ({ cachePath }) => {
  // Loaded only here: fetching the public-good root is rare, and the TUF
  // client is heavy to load.
  const { getTrustedRoot } = await import("@sigstore/tuf")
  return trustedRootJson(await getTrustedRoot({ cachePath }))
}
