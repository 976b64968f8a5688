/**
 * @module
 * The published package's layout, for benchmarks that measure the CLI as
 * an installed `flwd` runs it: `bin/flwd.js` (which finds no sources beside
 * it and runs the bundle) and `dist/bundle/` (`bin/bundle-cli.ts`). Built
 * inside the checkout, under `bench/.out/`, so that the packages the bundle
 * leaves out resolve from its node_modules.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { bundleCli } from "../bin/bundle-cli.ts"

const repo = resolve(import.meta.dirname, "..")

/** Lays the package out in `bench/.out/<name>/`; returns its `bin/flwd.js`. */
export async function packedCli(name: string): Promise<string> {
  const pkg = join(repo, "bench", ".out", name)
  rmSync(pkg, { recursive: true, force: true })
  mkdirSync(join(pkg, "bin"), { recursive: true })
  copyFileSync(join(repo, "bin", "flwd.js"), join(pkg, "bin", "flwd.js"))
  const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }
  const manifest = JSON.stringify({ version, type: "module", private: true })
  writeFileSync(join(pkg, "package.json"), manifest)
  await bundleCli(join(pkg, "dist", "bundle"))
  writeFileSync(join(pkg, "dist", "package.json"), manifest)
  return join(pkg, "bin", "flwd.js")
}
