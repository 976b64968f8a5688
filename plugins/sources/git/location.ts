/**
 * @module
 * Where a git URL points (a host, or a directory on this machine), and
 * whether the policy admits it (`git.allowed_hosts`, `git.allowed_paths`,
 * else `allowed_local_roots`). Nothing remote is admitted by default.
 */
import { realpathSync } from "node:fs"
import { isAbsolute, resolve, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect, maskCredentials, type SourceContext, type SourceError, sourceError } from "../../../core/mod.ts"
import { gitPolicyOf } from "./policy-section.ts"

/**
 * A parsed git URL: `local` (a `file://` URL or a path) or `remote`.
 *
 * @since 0.1.0
 * @category models
 */
export type GitLocation =
  | { readonly kind: "local"; readonly path: string; readonly url: string }
  | { readonly kind: "remote"; readonly scheme: string; readonly host: string; readonly port: string; readonly url: string }

const remoteSchemes = new Set(["https", "http", "ssh", "git", "git+ssh", "ssh+git"])

const invalid = (message: string) => sourceError("source.invalid", `Invalid git url: ${message}`, { errors: [{ path: "url", message }] })

/**
 * Parses `url`; relative paths resolve against `cwd`. What git is given
 * (`url`) is the same URL, or a `file://` URL for a local path.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseGitUrl(url: string, cwd = process.cwd()): GitLocation | SourceError {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme === "file") {
    try {
      const path = fileURLToPath(url)
      return { kind: "local", path, url: pathToFileURL(path).href }
    } catch {
      return invalid("is not a valid file:// URL")
    }
  }
  if (scheme !== undefined) {
    if (!remoteSchemes.has(scheme)) return invalid(`scheme ${scheme}:// is not supported (use https, http, ssh, git or file)`)
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return invalid("is not a valid URL")
    }
    if (parsed.hostname === "") return invalid("names no host")
    return { kind: "remote", scheme, host: parsed.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1"), port: parsed.port, url }
  }
  // scp-like ssh: [user@]host:path (a colon before any slash).
  const scp = /^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+):(?!\/\/)(.+)$/.exec(url)
  if (scp !== null && !isAbsolute(url)) {
    return { kind: "remote", scheme: "ssh", host: scp[1].toLowerCase().replace(/^\[(.*)\]$/, "$1"), port: "", url }
  }
  if (isAbsolute(url) || url.startsWith("./") || url.startsWith("../") || url === "." || url === "..") {
    const path = resolve(cwd, url)
    return { kind: "local", path, url: pathToFileURL(path).href }
  }
  return invalid("must be a URL (https://, ssh://, git://, file://), user@host:path, or a local path")
}

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)

function real(path: string): string {
  try {
    return realpathSync.native(path)
  } catch {
    return resolve(path)
  }
}

/** True when `entry` (`host`, `host:port`, `[v6]:port` or `*.domain`) admits the location. */
function hostMatches(entry: string, loc: Extract<GitLocation, { kind: "remote" }>): boolean {
  const e = entry.trim().toLowerCase()
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(e)
  if (m === null) return false
  const host = m[1] ?? m[2]
  if (m[3] !== undefined && m[3] !== loc.port) return false
  return host.startsWith("*.") ? loc.host.endsWith(host.slice(1)) : host === loc.host
}

/**
 * Admits `loc` under the policy, journaling the decision (an admission
 * only unless `journalAllow` is false); a refusal is `source.not.allowed`
 * naming `url` (credentials masked).
 *
 * @since 0.1.0
 * @category constructors
 */
export function admitLocation(loc: GitLocation, ctx: SourceContext, options: { readonly journalAllow?: boolean } = {}): Effect.Effect<void, SourceError> {
  return Effect.gen(function* () {
    const subject = maskCredentials(loc.url)
    const { git } = gitPolicyOf(ctx.policy)
    let allowed: boolean
    let reason: string
    if (loc.kind === "remote") {
      const hosts = git?.allowed_hosts ?? []
      allowed = hosts.some((h) => hostMatches(h, loc))
      reason = allowed
        ? `host ${loc.host} is listed in git.allowed_hosts`
        : `host ${loc.host}${loc.port !== "" ? `:${loc.port}` : ""} is not in git.allowed_hosts (${hosts.length > 0 ? hosts.join(", ") : "none listed"})`
    } else {
      // Resolved through symlinks, so a link inside an allowed root cannot point elsewhere.
      const roots = (git?.allowed_paths ?? ctx.allowedLocalRoots).map((r) => real(resolve(process.cwd(), r)))
      const path = real(loc.path)
      allowed = roots.some((r) => inside(r, path))
      reason = allowed
        ? "the repository is inside an allowed local path"
        : `${loc.path} is not inside ${git?.allowed_paths !== undefined ? "git.allowed_paths" : "an allowed local root"} (${
          roots.length > 0 ? roots.join(", ") : "none"
        })`
    }
    // A load after a resolve admits again without journaling the same admission twice.
    if (!allowed || options.journalAllow !== false) {
      yield* ctx.decide({
        decision: allowed ? "allow" : "deny",
        subject,
        code: allowed ? "source.allowed" : "source.not.allowed",
        reason,
        profile: ctx.profile.name
      })
    }
    if (!allowed) {
      return yield* sourceError("source.not.allowed", `git source ${ctx.name}: ${reason}`, {
        errors: [{ path: "url", message: "is not allowed by the policy" }]
      })
    }
  })
}
