/**
 * @module
 * flwd's own version, read from the manifest one directory up: the
 * checkout's `package.json` from `plugins/`, `dist/package.json` from the
 * published `dist/plugins/` and from the bundled CLI in `dist/bundle/`.
 * One module, so that a bundle (where every module's own depth is gone)
 * and the sources read the same file.
 */
import { readFileSync } from "node:fs"

let version: string | undefined

/** The version, or `0.0.0` when the manifest cannot be read. */
export function flwdPackageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
    } catch {
      version = "0.0.0"
    }
  }
  return version
}
