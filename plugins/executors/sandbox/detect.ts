/**
 * @module
 * What this host's sandbox can do, found once by running bubblewrap: whether
 * it exists, whether it can create the namespaces flwd asks for (a user
 * namespace with an unprivileged uid first, without one as the fallback),
 * and which limits mechanism applies (a writable cgroup v2, else cgroup v1,
 * else rlimits).
 * A sandbox that cannot start is reported unavailable with bubblewrap's own
 * words, never replaced by a run on the host.
 */
import { execFile } from "node:child_process"
import { findProgram } from "../../exec/mod.ts"
import { type CgroupHost, findCgroupHost } from "./cgroups.ts"

/**
 * The sandbox capabilities of this host.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  readonly available: boolean
  /** Why the sandbox is unavailable. */
  readonly reason?: string
  /** Absolute path of bubblewrap, when found. */
  readonly bwrap?: string
  /** `bwrap --version`, e.g. `0.8.0`. */
  readonly version?: string
  /** A user namespace maps the job to an unprivileged uid. */
  readonly userNamespace: boolean
  /** `--disable-userns` works: the job cannot nest user namespaces. */
  readonly disableUserns: boolean
  readonly limits: "cgroup" | "rlimit"
  /** Where per-step cgroups go, for `limits: "cgroup"`. */
  readonly cgroups?: CgroupHost
  /** `prlimit`, when found; else rlimits are set by `/bin/sh -c ulimit`. */
  readonly prlimit?: string
}

/**
 * What detection may be told.
 *
 * @since 0.1.0
 * @category models
 */
export interface DetectOptions {
  /** bubblewrap: a path or a name looked up on PATH. Default `bwrap`. */
  readonly bwrap?: string
  /** `rlimit` forces rlimits even where a cgroup is writable. Default `auto`. */
  readonly limits?: "auto" | "rlimit"
  /** A delegated cgroup v2 directory for per-step cgroups. Default: this process's own cgroup (v2, else v1), if usable. */
  readonly cgroupParent?: string
  /** uid/gid probed inside the user namespace. Default 65534. */
  readonly uid?: number
}

function run(file: string, args: ReadonlyArray<string>): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: "/usr/bin:/bin" }, timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, out: `${stdout}${stderr}`.trim() })
    })
  })
}

/**
 * Where per-step cgroups go under these options; null when rlimits apply.
 * Needs no bubblewrap, so `flwd :policy show` can say it too.
 *
 * @since 0.1.0
 * @category constructors
 */
export function detectCgroups(options: Pick<DetectOptions, "limits" | "cgroupParent"> = {}): Promise<CgroupHost | null> {
  return options.limits === "rlimit" ? Promise.resolve(null) : findCgroupHost(options.cgroupParent)
}

// The host's own / read-only is enough to prove the namespaces can be made.
const probeMounts = ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "/bin/sh", "-c", "exit 0"]

/**
 * Probes bubblewrap. Never fails: problems come back as `available: false`.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function detectSandbox(options: DetectOptions = {}): Promise<Capabilities> {
  const none = { userNamespace: false, disableUserns: false, limits: "rlimit" as const }
  const name = options.bwrap ?? "bwrap"
  const bwrap = findProgram(name)
  if (bwrap === undefined) return { ...none, available: false, reason: `bubblewrap not found (${name})` }
  const version = await run(bwrap, ["--version"])
  if (!version.ok) return { ...none, available: false, bwrap, reason: `${bwrap} --version failed: ${version.out}` }
  const base = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
  const uid = String(options.uid ?? 65534)
  const userns = ["--unshare-user", "--uid", uid, "--gid", uid]
  const attempts = [
    { userNamespace: true, disableUserns: true, args: [...base, ...userns, "--disable-userns"] },
    { userNamespace: true, disableUserns: false, args: [...base, ...userns] },
    { userNamespace: false, disableUserns: false, args: base }
  ]
  let failure = ""
  for (const attempt of attempts) {
    const probe = await run(bwrap, [...attempt.args, ...probeMounts])
    if (!probe.ok) {
      failure ||= probe.out
      continue
    }
    const cgroups = await detectCgroups(options)
    const prlimit = findProgram("prlimit")
    return {
      available: true,
      bwrap,
      version: version.out.replace(/^bubblewrap\s+/, ""),
      userNamespace: attempt.userNamespace,
      disableUserns: attempt.disableUserns,
      limits: cgroups === null ? "rlimit" : "cgroup",
      ...(cgroups !== null ? { cgroups } : {}),
      ...(prlimit !== undefined ? { prlimit } : {})
    }
  }
  return {
    ...none,
    available: false,
    bwrap,
    version: version.out.replace(/^bubblewrap\s+/, ""),
    reason: `bubblewrap cannot create the sandbox namespaces: ${failure || "unknown error"}`
  }
}
