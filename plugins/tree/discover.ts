/**
 * @module
 * tree-v1 discovery (DESIGN §4): every directory below a root that holds a
 * `config.yaml` (or the legacy `config.d/config.yaml`) is a job whose id is
 * its relative path. Problems are reported per path as diagnostics while
 * every other job keeps working; discovery itself never fails.
 *
 * Symlinks: directory symlinks are never followed (not even inside the
 * root), so the walk cannot loop, escape, or reach one job under two ids;
 * each one skipped is reported as a warning. File symlinks (a config, a
 * script) are allowed when their real path stays inside the root.
 *
 * The walk uses synchronous file-system calls on purpose: on a 1,000-job
 * tree they cost about a third of the promise API, and the whole walk takes
 * tens of milliseconds, well below what a server notices.
 */
import type { Dirent } from "node:fs"
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { isAbsolute, join, relative, resolve, sep } from "node:path"
import * as Effect from "effect/Effect"
import { codeOf, type Diagnostic, type JobDefinition } from "../../core/mod.ts"
import { buildJob } from "./build-job.ts"
import { parseConfigYaml } from "./parse-config-yaml.ts"

/** @since 0.1.0 @category models */
export interface DiscoverOptions {
  /** Directory levels searched below the root. Default 32. */
  readonly maxDepth?: number
}

/** @since 0.1.0 @category models */
export interface DiscoveredTree {
  /** Sorted by id. */
  readonly jobs: Array<JobDefinition>
  /** Sorted by path. */
  readonly diagnostics: Array<Diagnostic>
}

const scriptRe = /^\d{3}_/

const errorCode = (e: unknown) => codeOf(e) ?? String(e)
const reason = (e: unknown) => {
  const code = errorCode(e)
  return code === "EACCES" || code === "EPERM"
    ? "permission denied"
    : code === "EISDIR"
    ? "is a directory"
    : code === "ENOENT"
    ? "does not exist"
    : code === "ENOTDIR"
    ? "is not a directory"
    : code === "ELOOP"
    ? "symlink loop"
    : code
}

interface Walk {
  readonly root: string
  readonly maxDepth: number
  readonly jobs: Array<JobDefinition>
  readonly diagnostics: Array<Diagnostic>
}

/**
 * Discovers the jobs of a tree-v1 root.
 *
 * @example
 * const { jobs, diagnostics } = await discoverJobTree("examples/jobs")
 *
 * @since 0.1.0
 * @category constructors
 */
export async function discoverJobTree(root: string, options: DiscoverOptions = {}): Promise<DiscoveredTree> {
  return discoverJobTreeSync(root, options)
}

/**
 * `discoverJobTree` as an Effect; it never fails.
 *
 * @since 0.1.0
 * @category constructors
 */
export function discoverJobTreeEffect(root: string, options: DiscoverOptions = {}): Effect.Effect<DiscoveredTree> {
  return Effect.sync(() => discoverJobTreeSync(root, options))
}

/**
 * `discoverJobTree`, synchronously.
 *
 * @since 0.1.0
 * @category constructors
 */
export function discoverJobTreeSync(root: string, options: DiscoverOptions = {}): DiscoveredTree {
  const diagnostics: Array<Diagnostic> = []
  let real: string
  try {
    real = realpathSync.native(root)
    if (!statSync(real).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" })
  } catch (e) {
    diagnostics.push({ level: "error", code: "discovery.unreadable", path: ".", message: `cannot read the tree root: ${reason(e)}` })
    return { jobs: [], diagnostics }
  }
  const w: Walk = { root: real, maxDepth: options.maxDepth ?? 32, jobs: [], diagnostics }
  walk(w, real, "", 0)
  w.jobs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  diagnostics.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { jobs: w.jobs, diagnostics }
}

function walk(w: Walk, dir: string, rel: string, depth: number): void {
  let entries: Array<Dirent>
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (e) {
    w.diagnostics.push({ level: "error", code: "discovery.unreadable", path: rel || ".", message: `cannot read directory: ${reason(e)}` })
    return
  }
  let config: Dirent | undefined
  let legacy = false
  const scripts: Array<Dirent> = []
  for (const e of entries) {
    const name = e.name
    // `config.d` belongs to the job it configures and is never a job itself.
    if (name === "config.yaml") config = e
    else if (name === "config.d") legacy = true
    else if (name.startsWith(".") || name === "node_modules") continue
    else if (e.isDirectory()) {
      const childRel = rel === "" ? name : `${rel}/${name}`
      if (depth + 1 > w.maxDepth) {
        w.diagnostics.push({ level: "warning", code: "discovery.too.deep", path: childRel, message: `not searched: deeper than ${w.maxDepth} levels` })
      } else walk(w, join(dir, name), childRel, depth + 1)
    } else if (e.isSymbolicLink()) {
      if (scriptRe.test(name)) scripts.push(e)
      reportDirectoryLink(w, join(dir, name), rel === "" ? name : `${rel}/${name}`)
    } else if (scriptRe.test(name)) scripts.push(e)
  }
  if (rel === "") {
    if (config !== undefined) {
      w.diagnostics.push({
        level: "warning",
        code: "discovery.invalid",
        path: "config.yaml",
        message: "a config at the tree root is ignored: a job is a directory below the root"
      })
    }
  } else if (config !== undefined || legacy) loadJob(w, dir, rel, config, legacy, scripts, entries)
}

function reportDirectoryLink(w: Walk, path: string, rel: string): void {
  try {
    if (!statSync(path).isDirectory()) return
    const target = realpathSync.native(path)
    const inside = isInside(w.root, target)
    w.diagnostics.push({
      level: "warning",
      code: "discovery.symlink",
      path: rel,
      message: inside ? "directory symlinks are not followed" : "symlink leads outside the tree; not followed"
    })
  } catch {
    // A dangling link is no directory; nothing to report.
  }
}

const isInside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)

type Read = { readonly text: string } | { readonly absent: true } | { readonly problem: Diagnostic }

function readConfig(w: Walk, abs: string, rel: string, resolveLinks: boolean, optional: boolean): Read {
  try {
    let path = abs
    if (resolveLinks) {
      path = realpathSync.native(abs)
      if (!isInside(w.root, path)) {
        return { problem: { level: "error", code: "discovery.symlink", path: rel, message: "symlink leads outside the tree; job not loaded" } }
      }
    }
    return { text: readFileSync(path, "utf8") }
  } catch (e) {
    const code = errorCode(e)
    if (optional && (code === "ENOENT" || code === "ENOTDIR")) return { absent: true }
    return { problem: { level: "error", code: "discovery.unreadable", path: rel, message: `cannot read: ${reason(e)}` } }
  }
}

function loadJob(
  w: Walk,
  dir: string,
  id: string,
  config: Dirent | undefined,
  legacy: boolean,
  scriptEntries: ReadonlyArray<Dirent>,
  entries: ReadonlyArray<Dirent>
): void {
  const reads = [
    config ? readConfig(w, join(dir, "config.yaml"), `${id}/config.yaml`, config.isSymbolicLink(), false) : { absent: true } as const,
    // A `config.d` without a `config.yaml` (or a file named so) does not make a job.
    legacy ? readConfig(w, join(dir, "config.d", "config.yaml"), `${id}/config.d/config.yaml`, true, true) : { absent: true } as const
  ]
  const problems = reads.flatMap((r) => ("problem" in r ? [r.problem] : []))
  if (problems.length > 0) {
    w.diagnostics.push(...problems)
    return
  }
  const texts = reads.map((r) => ("text" in r ? r.text : undefined))
  if (texts[0] !== undefined && texts[1] !== undefined) {
    w.diagnostics.push({
      level: "error",
      code: "discovery.collision",
      path: id,
      message: `job "${id}" is defined twice, by ${id}/config.yaml and ${id}/config.d/config.yaml; neither is loaded`
    })
    return
  }
  const configPath = texts[0] !== undefined ? `${id}/config.yaml` : `${id}/config.d/config.yaml`
  const text = texts[0] ?? texts[1]
  if (text === undefined) return
  const parsed = parseConfigYaml(text)
  if (!parsed.ok) {
    w.diagnostics.push({
      level: "error",
      code: "discovery.invalid",
      path: configPath,
      message: `YAML error at line ${parsed.line}, column ${parsed.column}: ${parsed.message}`
    })
    return
  }
  const scripts = scriptEntries.map((e) => e.name).sort()
  const built = buildJob({ id, dir, config: parsed.value, scripts })
  if (built.unknownKeys.length > 0) {
    w.diagnostics.push({ level: "warning", code: "config.unknown.key", path: configPath, message: `unknown keys ignored: ${built.unknownKeys.join(", ")}` })
  }
  const invalid = (message: string): Diagnostic => ({ level: "error", code: "discovery.invalid", path: configPath, message })
  if (built.job === undefined) {
    w.diagnostics.push(...built.errors.map((e) => invalid(e.path === "" ? e.message : `${e.path}: ${e.message}`)))
    return
  }
  const job = built.job
  // Numbered scripts that are symlinks must stay inside the tree like any other file.
  const usesScripts = job.steps.some((s) => scriptRe.test(s.id) && scripts.includes(s.id))
  const linked = usesScripts ? scriptEntries.filter((e) => e.isSymbolicLink()).map((e) => ({ field: e.name, path: `./${e.name}` })) : []
  const checks = [...built.files, ...linked].map((f) => checkFile(w, dir, entries, f.field, f.path))
  const errors = checks.flatMap((c) => (c.error ? [c.error] : []))
  if (errors.length > 0) {
    w.diagnostics.push(...errors.map(invalid))
    return
  }
  const missing = checks.flatMap((c) => (c.missing ? [c.missing] : []))
  for (const m of missing) {
    w.diagnostics.push({ level: "warning", code: "discovery.missing.file", path: configPath, message: m })
  }
  w.jobs.push(missing.length > 0 ? { ...job, warnings: [...job.warnings, ...missing] } : job)
}

/** A step's file must stay inside the tree, lexically and after symlinks; a missing one is only a warning. */
function checkFile(w: Walk, dir: string, entries: ReadonlyArray<Dirent>, field: string, path: string): { error?: string; missing?: string } {
  // The walk only enters real directories, so a plain file of the job directory is inside the tree:
  // its directory entry answers without another system call.
  const own = /^(?:\.\/)?([^/]+)$/.exec(path)
  if (own !== null) {
    const entry = entries.find((e) => e.name === own[1])
    if (entry === undefined) return { missing: `${field}: "${path}" does not exist` }
    if (!entry.isSymbolicLink()) return {}
  }
  const abs = resolve(dir, path)
  const lexical = relative(w.root, abs)
  if (lexical === ".." || lexical.startsWith(`..${sep}`) || isAbsolute(lexical)) return { error: `${field}: "${path}" leads outside the job tree` }
  try {
    const real = realpathSync.native(abs)
    return isInside(w.root, real) ? {} : { error: `${field}: "${path}" is a symlink leading outside the job tree` }
  } catch (e) {
    return errorCode(e) === "ENOENT" ? { missing: `${field}: "${path}" does not exist` } : { error: `${field}: "${path}" cannot be read (${reason(e)})` }
  }
}
