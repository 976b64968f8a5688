/**
 * @module
 * Where a plugin specifier points: a path (`./my-plugin.ts`, `/opt/x/mod.ts`,
 * `file:///…`, a directory holding `mod.ts` or `index.{ts,js,mjs}`) resolved
 * against a base directory, or an installed package (`flwd-plugin-x`,
 * `@acme/flwd-plugin/source`) found in `node_modules` from the base
 * directory up, through its `exports` (`import`, `node`, `default`) or
 * `main`.
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { messageOf } from "../../core/mod.ts"

/**
 * True for specifiers that name a file or directory rather than a package.
 *
 * @since 0.1.0
 * @category constructors
 */
export function isPathSpecifier(specifier: string): boolean {
  return /^(\.{1,2}(\/|\\|$)|\/|file:)/.test(specifier) || /^[A-Za-z]:[\\/]/.test(specifier)
}

/**
 * Resolves to an absolute file, or a reason it cannot be found.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolvePluginModule(specifier: string, base: string): { readonly file: string } | { readonly error: string } {
  return isPathSpecifier(specifier) ? resolvePath(specifier, base) : resolvePackage(specifier, base)
}

function resolvePath(specifier: string, base: string): { readonly file: string } | { readonly error: string } {
  let path: string
  try {
    path = specifier.startsWith("file:") ? fileURLToPath(specifier) : resolve(base, specifier)
  } catch {
    return { error: "is not a valid file URL" }
  }
  if (!existsSync(path)) return { error: `does not exist (${path})` }
  if (!statSync(path).isDirectory()) return { file: path }
  for (const name of ["mod.ts", "index.ts", "index.js", "index.mjs"]) {
    if (existsSync(join(path, name))) return { file: join(path, name) }
  }
  return { error: `is a directory without mod.ts or index.{ts,js,mjs} (${path})` }
}

const conditions = ["import", "node", "default"]

// A package.json `exports` target for the active conditions (object keys in order, as Node reads them).
function target(value: unknown): string | undefined {
  if (typeof value === "string") return value
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = target(v)
      if (t !== undefined) return t
    }
    return undefined
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) if (conditions.includes(key)) return target(v)
  }
  return undefined
}

function resolvePackage(specifier: string, base: string): { readonly file: string } | { readonly error: string } {
  const m = /^((?:@[^/]+\/)?[^/@][^/]*)(\/.*)?$/.exec(specifier)
  if (m === null) return { error: "is neither a path (start it with ./ or /) nor a package name" }
  const [, name, sub] = m
  let dir = resolve(base)
  for (;;) {
    const pkgDir = join(dir, "node_modules", name)
    if (existsSync(join(pkgDir, "package.json"))) return packageEntry(pkgDir, sub === undefined ? "." : `.${sub}`)
    const up = dirname(dir)
    if (up === dir) return { error: `is not an installed package (no node_modules/${name} from ${resolve(base)} up)` }
    dir = up
  }
}

function packageEntry(pkgDir: string, subpath: string): { readonly file: string } | { readonly error: string } {
  let pkg: { exports?: unknown; main?: unknown }
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as typeof pkg
  } catch (e) {
    return { error: `has an unreadable package.json (${messageOf(e)})` }
  }
  let rel: string | undefined
  if (pkg.exports !== undefined) {
    const exp = pkg.exports
    const keyed = typeof exp === "object" && exp !== null && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith("."))
    rel = keyed ? target((exp as Record<string, unknown>)[subpath]) : subpath === "." ? target(exp) : undefined
    if (rel === undefined) return { error: `does not export ${subpath} for import` }
  } else {
    rel = subpath !== "." ? subpath : typeof pkg.main === "string" ? pkg.main : "index.js"
  }
  const file = resolve(pkgDir, rel)
  return existsSync(file) ? { file } : { error: `points at ${file}, which does not exist` }
}
