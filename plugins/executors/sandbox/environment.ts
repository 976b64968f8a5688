/**
 * @module
 * The environment and the user of a sandboxed step. Inside the sandbox
 * every path flwd hands a job is a fixed in-sandbox path: the job directory
 * at `/flwd/job`, the writable run directory at `/flwd/run` (also the
 * working directory) and secrets under `/run/secrets`. Host variables reach
 * the job only when the profile allows environment inheritance.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ExecRequest, JobImageConfig } from "../../../core/mod.ts"

/**
 * Where things are inside the sandbox.
 *
 * @since 0.1.0
 * @category constants
 */
export const SANDBOX_PATHS = { job: "/flwd/job", run: "/flwd/run", secrets: "/run/secrets" } as const

/**
 * PATH when neither the image nor the host provides one.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/**
 * The uid flwd runs jobs as, and the gid (`nobody`/`nogroup`).
 *
 * @since 0.1.0
 * @category constants
 */
export const NOBODY = 65534

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return env
}

/**
 * The step's environment, later sources winning: host variables (only with
 * `inheritEnv`), defaults (`PATH`, `HOME`), the image config's `Env`, the
 * request's variables, then flwd's in-sandbox paths.
 *
 * @since 0.1.0
 * @category constructors
 */
export function sandboxEnv(req: ExecRequest, host: Readonly<Record<string, string>> = hostEnv()): Record<string, string> {
  const env: Record<string, string> = req.settings.inheritEnv ? { ...host } : {}
  env.PATH ??= DEFAULT_PATH
  env.HOME = SANDBOX_PATHS.run
  for (const entry of req.job.image_config?.Env ?? []) {
    const eq = entry.indexOf("=")
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  Object.assign(env, req.env)
  env.FLWD_RUN_DIR = SANDBOX_PATHS.run
  env.FLWD_JOB_DIR = SANDBOX_PATHS.job
  if (req.secrets.length > 0) env.FLWD_SECRETS_DIR = SANDBOX_PATHS.secrets
  else delete env.FLWD_SECRETS_DIR
  return env
}

/**
 * Rewrites the step's words that are paths relative to the job directory
 * (`./run.sh`, `../lib/x`): on the host they resolve from the job directory,
 * in the sandbox the working directory is the run directory instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export function sandboxArgv(argv: ReadonlyArray<string>): Array<string> {
  return argv.map((word) => word.startsWith("./") || word.startsWith("../") ? `${SANDBOX_PATHS.job}/${word.startsWith("./") ? word.slice(2) : word}` : word)
}

/**
 * A resolved user: who the job runs as, and a note when the image asked
 * for something else.
 *
 * @since 0.1.0
 * @category models
 */
export interface SandboxUser {
  readonly uid: number
  readonly gid: number
  readonly note?: string
}

function lookup(file: string, name: string, field: number): number | undefined {
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const parts = line.split(":")
      if (parts[0] === name && /^\d+$/.test(parts[field] ?? "")) return Number(parts[field])
    }
  } catch {
    // No such file: the name is unknown.
  }
  return undefined
}

/**
 * The image config's `User` (`uid`, `uid:gid`, `name`, `name:group`, names
 * read from the image's `/etc/passwd` and `/etc/group`). Root, an unknown
 * name or no `User` give `nobody` (65534): a job never runs as root.
 *
 * @since 0.1.0
 * @category constructors
 */
export function resolveUser(config: JobImageConfig | undefined, rootfs: string | null): SandboxUser {
  const user = config?.User?.trim()
  if (user === undefined || user === "") return { uid: NOBODY, gid: NOBODY }
  const [who, group] = user.split(":", 2)
  const passwd = rootfs === null ? undefined : join(rootfs, "etc", "passwd")
  const uid = /^\d+$/.test(who) ? Number(who) : passwd === undefined ? undefined : lookup(passwd, who, 2)
  if (uid === undefined) return { uid: NOBODY, gid: NOBODY, note: `image user ${JSON.stringify(user)} is unknown; running as ${NOBODY}` }
  if (uid === 0) return { uid: NOBODY, gid: NOBODY, note: `image user ${JSON.stringify(user)} is root; running as ${NOBODY}` }
  let gid: number | undefined
  if (group === undefined) gid = passwd === undefined ? undefined : lookup(passwd, who, 3)
  else if (/^\d+$/.test(group)) gid = Number(group)
  else gid = rootfs === null ? undefined : lookup(join(rootfs, "etc", "group"), group, 2)
  // Docker falls back to group root here; flwd never hands out group root.
  return { uid, gid: gid === undefined || gid === 0 ? NOBODY : gid }
}
