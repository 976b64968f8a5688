/**
 * @module
 * The effective configuration, as `flwd :config show` prints it: every
 * setting after flags, environment and file are applied, with secrets
 * masked (`***`): token values, credentials in URLs, and fields of source
 * specs named like secrets.
 */
import { maskCredentials } from "../core/mod.ts"
import type { ConfigFile } from "./config-file.ts"

/** @since 0.1.0 @category models */
export interface EffectiveConfigInput {
  readonly file: ConfigFile | null
  readonly dataDir: string
  readonly root: string | undefined
  readonly profile: string
  readonly policyFile: string | null
  readonly bind: string
  readonly allowedLocalRoots: ReadonlyArray<string>
  readonly pluginTimeoutMs: number
  /** Plugin modules as given, from the file and `--plugin`. */
  readonly plugins: ReadonlyArray<string>
}

const secretKey = /(token|password|passwd|secret|credential|api[_-]?key)/i

function mask(value: unknown, key = ""): unknown {
  if (typeof value === "string") return secretKey.test(key) ? "***" : maskCredentials(value)
  if (Array.isArray(value)) return value.map((v) => mask(v))
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k)]))
  }
  return value
}

/**
 * The effective configuration with secrets masked.
 *
 * @since 0.1.0
 * @category constructors
 */
export function effectiveConfig(input: EffectiveConfigInput): Record<string, unknown> {
  const c = input.file?.config
  return {
    file: input.file?.path ?? null,
    data_dir: input.dataDir,
    root: input.root ?? null,
    profile: input.profile,
    policy: input.policyFile,
    bind: input.bind,
    allowed_hosts: [...(c?.allowed_hosts ?? [])],
    ui: c?.ui ?? true,
    allowed_local_roots: [...input.allowedLocalRoots],
    plugin_timeout_ms: input.pluginTimeoutMs,
    plugins: [...input.plugins],
    tokens: (c?.tokens ?? []).map((t) => ({
      ...(t.token !== undefined ? { token: "***" } : {}),
      ...(t.token_sha256 !== undefined ? { token_sha256: t.token_sha256 } : {}),
      scopes: [...t.scopes]
    })),
    sources: (c?.sources ?? []).map((s) => mask(s))
  }
}
