/**
 * @module
 * The command that starts bubblewrap with the step's limits applied to it
 * and to everything it starts: a shell that joins the step's cgroups and
 * execs bubblewrap, `prlimit`, a shell that sets `ulimit`s, or bubblewrap
 * alone when nothing is limited. Every wrapper execs, so the spawned pid
 * stays bubblewrap's own. The shell joins before it execs, so nothing of
 * the job ever runs outside the cgroups; if it cannot join, it exits 125
 * and bubblewrap never starts.
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
  /** The step's cgroup directories (one for v2, one per hierarchy for v1), when a cgroup applies. */
  readonly cgroups: ReadonlyArray<string> | null
  /** `RLIMIT_NPROC` for the rlimit fallback (see `_nproc.ts`); none when undefined. */
  readonly nproc?: number
}

// "$@" is: the cgroup directories, "--", bubblewrap and its arguments.
const JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 125; shift; done; shift; exec "$@"'

/**
 * The argv that runs bubblewrap; bubblewrap's own arguments follow it.
 *
 * @since 0.1.0
 * @category constructors
 */
export function launcher(o: LaunchOptions): Array<string> {
  const bwrap = o.caps.bwrap ?? "bwrap"
  if (o.cgroups !== null) return ["/bin/sh", "-c", JOIN, "flwd-cgroup-join", ...o.cgroups, "--", bwrap]
  const options = rlimitOptions(o.limits, o.timeoutMs, o.nproc)
  if (options.length === 0) return [bwrap]
  if (o.caps.prlimit !== undefined) return [o.caps.prlimit, ...options, "--", bwrap]
  return ["/bin/sh", "-c", ulimitScript(o.limits, o.timeoutMs, o.nproc), "sh", bwrap]
}
