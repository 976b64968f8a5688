/**
 * @module
 * The command that starts bubblewrap with the step's limits applied to it
 * and to everything it starts: a shell that joins the step's cgroup and
 * execs bubblewrap, `prlimit`, a shell that sets `ulimit`s, or bubblewrap
 * alone when nothing is limited. Every wrapper execs, so the spawned pid
 * stays bubblewrap's own.
 */
import type { Capabilities } from "./detect.ts"
import { type Limits, rlimitOptions, ulimitScript } from "./limits.ts"

/**
 * What decides the launcher.
 *
 * @since 0.1.0
 * @category models
 */
export interface LaunchOptions {
  readonly caps: Pick<Capabilities, "bwrap" | "prlimit">
  readonly limits: Limits
  /** The job's timeout, for the rlimit CPU budget. */
  readonly timeoutMs: number | undefined
  /** The step's cgroup directory, when cgroup v2 applies. */
  readonly cgroup: string | null
}

/**
 * The argv that runs bubblewrap; bubblewrap's own arguments follow it.
 *
 * @since 0.1.0
 * @category constructors
 */
export function launcher(o: LaunchOptions): Array<string> {
  const bwrap = o.caps.bwrap ?? "bwrap"
  if (o.cgroup !== null) return ["/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", o.cgroup, bwrap]
  const options = rlimitOptions(o.limits, o.timeoutMs)
  if (options.length === 0) return [bwrap]
  if (o.caps.prlimit !== undefined) return [o.caps.prlimit, ...options, "--", bwrap]
  return ["/bin/sh", "-c", ulimitScript(o.limits, o.timeoutMs), "sh", bwrap]
}
