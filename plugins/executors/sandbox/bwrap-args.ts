/**
 * @module
 * The bubblewrap command line of one step, as a pure function of what the
 * step needs. Isolation (DESIGN §5): every namespace unshared (network kept
 * only when the profile allows it), all capabilities dropped, a user
 * namespace mapping the job to an unprivileged uid where the host allows
 * one, `--die-with-parent` so nothing survives the engine, `--new-session`
 * so the job cannot reach the engine's terminal (TIOCSTI). bubblewrap always
 * sets `PR_SET_NO_NEW_PRIVS`, so setuid binaries in an image gain nothing.
 * Without `--as-pid-1`, bubblewrap itself is pid 1 of the new PID namespace
 * and reaps orphans; when the job's main process exits, bubblewrap exits
 * and the kernel kills whatever is left in the namespace.
 */
import type { Mount } from "./rootfs.ts"
import { SANDBOX_PATHS } from "./environment.ts"

/**
 * Everything the command line depends on.
 *
 * @since 0.1.0
 * @category models
 */
export interface SandboxSpec {
  readonly mounts: ReadonlyArray<Mount>
  readonly jobDir: string
  readonly runDir: string
  /** Host directory of the secret files, bound at `/run/secrets`; none when undefined. */
  readonly secretsDir?: string
  readonly network: boolean
  readonly userNamespace: boolean
  readonly disableUserns: boolean
  readonly uid: number
  readonly gid: number
  readonly env: Readonly<Record<string, string>>
  /** Size of each of the `/tmp` and `/dev/shm` tmpfs (bubblewrap's `--size`); the kernel's default (half the RAM) when undefined. */
  readonly tmpBytes?: number
}

/**
 * The isolation flags alone, as shown in a plan preview.
 *
 * @since 0.1.0
 * @category constructors
 */
export function isolationFlags(spec: Pick<SandboxSpec, "network" | "userNamespace" | "disableUserns" | "uid" | "gid">): Array<string> {
  const flags = ["--unshare-all"]
  if (spec.network) flags.push("--share-net")
  if (spec.userNamespace) {
    flags.push("--unshare-user", "--uid", String(spec.uid), "--gid", String(spec.gid))
    if (spec.disableUserns) flags.push("--disable-userns")
  }
  flags.push("--cap-drop", "ALL", "--die-with-parent", "--new-session")
  return flags
}

const sized = (bytes: number | undefined): Array<string> => (bytes !== undefined ? ["--size", String(bytes)] : [])

/**
 * The options of one step, read by bubblewrap from a file descriptor
 * (`--args`) so that environment values never show in the host's process
 * list. The command itself follows on the real command line.
 *
 * @since 0.1.0
 * @category constructors
 */
export function bwrapOptions(spec: SandboxSpec): Array<string> {
  const args = isolationFlags(spec)
  for (const mount of spec.mounts) {
    if (mount.type === "symlink") args.push("--symlink", mount.link, mount.target)
    else args.push("--ro-bind", mount.source, mount.target)
  }
  args.push(
    "--ro-bind",
    spec.jobDir,
    SANDBOX_PATHS.job,
    "--bind",
    spec.runDir,
    SANDBOX_PATHS.run,
    ...sized(spec.tmpBytes),
    "--tmpfs",
    "/tmp",
    "--proc",
    "/proc",
    // bubblewrap's /dev is an unsized writable tmpfs: a way around the /tmp
    // ceiling. /dev/shm gets its own sized tmpfs and /dev turns read-only
    // (device nodes still work on a read-only mount).
    "--dev",
    "/dev",
    ...sized(spec.tmpBytes),
    "--tmpfs",
    "/dev/shm",
    "--remount-ro",
    "/dev"
  )
  if (spec.secretsDir !== undefined) args.push("--ro-bind", spec.secretsDir, SANDBOX_PATHS.secrets)
  // Last: the root tmpfs and the directories bubblewrap created in it
  // become read-only; the mounts above keep their own flags.
  args.push("--remount-ro", "/", "--chdir", SANDBOX_PATHS.run, "--clearenv")
  for (const [key, value] of Object.entries(spec.env)) args.push("--setenv", key, value)
  return args
}

/**
 * Encodes options for `--args`: NUL-terminated strings.
 *
 * @since 0.1.0
 * @category constructors
 */
export function encodeArgs(args: ReadonlyArray<string>): Uint8Array {
  if (args.some((a) => a.includes("\0"))) throw new Error("sandbox arguments must not contain NUL bytes")
  return new TextEncoder().encode(args.map((a) => `${a}\0`).join(""))
}
