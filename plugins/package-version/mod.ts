/**
 * @module
 * flwd's own version, read from the manifest two directories up: the
 * checkout's `package.json` from `plugins/package-version/`,
 * `dist/package.json` from the published `dist/plugins/package-version/`,
 * and the package's own `package.json` from the bundled CLI in
 * `dist/bundle/`. One module, so that a bundle (where each module's own
 * depth is gone) and the sources read one path.
 */
import { readFileSync } from "node:fs"

let version: string | undefined

/** The version, or `0.0.0` when the manifest cannot be read. */
export function flwdPackageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version
    } catch {
      version = "0.0.0"
    }
  }
  return version
}
