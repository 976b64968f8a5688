/**
 * @module
 * Finding and reading `flwd.yaml`: `--config` (or the `config` option),
 * else `$FLWD_CONFIG`, else `./flwd.yaml` when it exists. A file named
 * explicitly must exist. An invalid file is `config.invalid` listing each
 * failing field (`sources[1].name`, `tokens[0].scopes[2]`); nothing starts
 * on it.
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parseDocument } from "yaml"
import { codeOf, ConfigError, DEFAULT_SOURCE, type FieldError, fieldErrors, messageOf, Schema, SourceName } from "../core/mod.ts"
import { tidy } from "./_tidy.ts"
import { FlwdConfig } from "./config-schema.ts"

/** Config files are small; anything bigger is refused before parsing. */
const MAX_CONFIG_BYTES = 1024 * 1024

/**
 * A read, valid `flwd.yaml`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigFile {
  /** Absolute path of the file. */
  readonly path: string
  /** Its directory, which relative paths in it resolve against. */
  readonly dir: string
  readonly config: FlwdConfig
}

/** @since 0.1.0 @category models */
export interface FindConfigOptions {
  /** An explicit file (`--config`); `false` reads none. Default: `$FLWD_CONFIG`, else `./flwd.yaml` when present. */
  readonly config?: string | false
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly cwd?: string
}

const invalid = (detail: string, errors?: ReadonlyArray<FieldError>) =>
  new ConfigError({ code: "config.invalid", detail, ...(errors !== undefined ? { errors } : {}) })

/**
 * The config file to read, or null when there is none.
 *
 * @since 0.1.0
 * @category constructors
 */
export function findConfigFile(options: FindConfigOptions = {}): string | null {
  if (options.config === false) return null
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const explicit = options.config !== undefined && options.config !== ""
    ? options.config
    : env.FLWD_CONFIG !== undefined && env.FLWD_CONFIG !== ""
    ? env.FLWD_CONFIG
    : undefined
  if (explicit !== undefined) return resolve(cwd, explicit)
  const found = resolve(cwd, "flwd.yaml")
  return existsSync(found) ? found : null
}

// "sources.1.name" → "sources[1].name", the way the docs and the errors of other files spell paths.
const bracketed = (path: string) => path.replace(/\.(\d+)(?=\.|$)/g, "[$1]")

/**
 * Reads and validates one config file.
 *
 * @since 0.1.0
 * @category constructors
 */
export function readConfigFile(path: string): ConfigFile {
  let text: string
  try {
    const bytes = readFileSync(path)
    if (bytes.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`)
    text = bytes.toString("utf8")
  } catch (e) {
    const reason = codeOf(e) === "ENOENT" ? "does not exist" : messageOf(e)
    throw invalid(`Cannot read config file ${path}: ${reason}`, [{ path: "file", message: reason }])
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw invalid(
      `Config file ${path} is not valid YAML`,
      doc.errors.map((e) => ({ path: `line ${e.linePos?.[0].line ?? "?"}`, message: e.message.split("\n")[0] }))
    )
  }
  const js: unknown = doc.toJS() ?? {}
  // `sources:` with nothing under it means none, as YAML readers expect.
  const raw = typeof js === "object" && js !== null && !Array.isArray(js) ? Object.fromEntries(Object.entries(js).filter(([, v]) => v !== null)) : js
  const decoded = Schema.decodeUnknownEither(FlwdConfig, { onExcessProperty: "error", errors: "all" })(raw)
  if (decoded._tag === "Left") {
    const errors = tidy(fieldErrors(decoded.left).map((e) => ({ ...e, path: bracketed(e.path) || "(file)" })))
    // A parent listed beside its own failing fields adds nothing.
    throw invalid(
      `Invalid config file ${path}`,
      errors.filter((e) => !errors.some((o) => o !== e && (o.path.startsWith(`${e.path}.`) || o.path.startsWith(`${e.path}[`))))
    )
  }
  const errors: Array<FieldError> = []
  const seen = new Map<string, number>()
  decoded.right.sources?.forEach((s, i) => {
    if (Schema.decodeUnknownEither(SourceName)(s.name)._tag === "Left") {
      errors.push({ path: `sources[${i}].name`, message: "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit" })
    } else if (s.name === DEFAULT_SOURCE) errors.push({ path: `sources[${i}].name`, message: `"${DEFAULT_SOURCE}" names the root job tree` })
    else if (seen.has(s.name)) errors.push({ path: `sources[${i}].name`, message: `"${s.name}" is already declared by sources[${seen.get(s.name)}]` })
    seen.set(s.name, i)
  })
  if (errors.length > 0) throw invalid(`Invalid config file ${path}`, errors)
  return { path, dir: dirname(path), config: decoded.right }
}

/**
 * Finds and reads the config file; null when there is none.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { loadConfig } from "flwd"
 *
 * const file = loadConfig({ config: "deploy/flwd.yaml" })
 * file?.config.sources?.map((s) => s.name)
 * ```
 */
export function loadConfig(options: FindConfigOptions = {}): ConfigFile | null {
  const path = findConfigFile(options)
  return path === null ? null : readConfigFile(path)
}

/**
 * A path of the file, resolved against its directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export function configPath(file: ConfigFile, path: string): string {
  return resolve(file.dir, path)
}
