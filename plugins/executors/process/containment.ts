/**
 * @module
 * How the process executor keeps a step's processes together, decided once
 * per executor (so once per engine): a PID namespace made by bubblewrap
 * where bubblewrap exists and may create one, else the step's session and
 * process group. In a PID namespace nothing the step starts can leave it —
 * not by `setsid`, a double fork or ignoring SIGTERM — and killing the
 * namespace's pid 1 kills every member; `--die-with-parent` takes the
 * namespace down with the engine if the engine dies.
 */
import { execFile } from "node:child_process"
import { findProgram } from "../../exec/mod.ts"

/**
 * The containment in force, and why when it is the fallback.
 *
 * @since 0.1.0
 * @category models
 */
export type Containment =
  | { readonly kind: "pid-namespace"; readonly bwrap: string }
  | { readonly kind: "process-group"; readonly reason: string }

/**
 * `auto` (default): a PID namespace where possible. `process-group` never
 * uses bubblewrap (jobs that need setuid programs such as `sudo`, which a
 * bubblewrap child cannot gain privileges through).
 *
 * @since 0.1.0
 * @category models
 */
export type ContainmentMode = "auto" | "process-group"

/**
 * bubblewrap as a thin wrapper: the host's root, devices and uid, a fresh
 * `/proc` for the new PID namespace and nothing else unshared. bubblewrap's
 * own pid 1 reaps orphans and, dying, takes the namespace with it.
 *
 * @since 0.1.0
 * @category constants
 */
export const NAMESPACE_ARGS: ReadonlyArray<string> = [
  "--bind",
  "/",
  "/",
  "--dev-bind",
  "/dev",
  "/dev",
  "--proc",
  "/proc",
  "--unshare-pid",
  "--die-with-parent"
]

function probe(bwrap: string): Promise<string | null> {
  return new Promise((resolve) => {
    const args = [...NAMESPACE_ARGS, "--", "/bin/sh", "-c", "exit 0"]
    execFile(bwrap, args, { env: { PATH: "/usr/bin:/bin" }, timeout: 10_000 }, (error, stdout, stderr) => {
      resolve(error === null ? null : `${stdout}${stderr}`.trim() || error.message)
    })
  })
}

/**
 * Finds the containment this host allows. Never fails: a missing or
 * refused bubblewrap gives the process-group fallback with the reason.
 *
 * @since 0.1.0
 * @category constructors
 */
export async function detectContainment(mode: ContainmentMode, bwrapName = "bwrap"): Promise<Containment> {
  if (process.platform !== "linux") return { kind: "process-group", reason: "PID namespaces need Linux" }
  if (mode === "process-group") return { kind: "process-group", reason: "configured" }
  const bwrap = findProgram(bwrapName)
  if (bwrap === undefined) return { kind: "process-group", reason: `bubblewrap not found (${bwrapName})` }
  const failure = await probe(bwrap)
  if (failure !== null) return { kind: "process-group", reason: `bubblewrap cannot create a PID namespace: ${failure.split("\n")[0]}` }
  return { kind: "pid-namespace", bwrap }
}
