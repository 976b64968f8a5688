/**
 * @module
 * Resource ceilings (the policy's `ceilings`, DESIGN §6) turned into what
 * the kernel can enforce: a cgroup (v2 `memory.max` / `pids.max` /
 * `cpu.max`, or their v1 counterparts in `_cgroup-v1.ts`) that holds the
 * whole sandbox, else rlimits set on the sandbox process. The `/tmp` size is
 * a tmpfs mount option and holds under either.
 * Rlimits are weaker: `RLIMIT_AS` bounds each process's address space, not
 * the sandbox's total; `RLIMIT_NPROC` counts every process of the host
 * user, not the sandbox's, and root is exempt from it; and a CPU *rate* has
 * no rlimit, so the CPU ceiling becomes a CPU-time budget of
 * `cpu × timeout` (the job's, or the policy's timeout ceiling, whichever is
 * shorter).
 */
import { parseDuration } from "../../../core/mod.ts"

/**
 * The policy's ceilings as written (`cpu: "1"`, `memory: 512Mi`, `pids: 256`, `tmp: 64Mi`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Ceilings {
  readonly cpu?: string
  readonly memory?: string
  /** The run timeout ceiling (`30m`): bounds the rlimit CPU-time budget. */
  readonly timeout?: string
  /** Processes (and threads) of the whole sandbox at once. */
  readonly pids?: number
  /** Size of the sandbox's `/tmp` (a tmpfs, so memory too). */
  readonly tmp?: string
}

/**
 * What applies when the policy is silent: a job gets a bounded process
 * table and a bounded `/tmp` whatever the policy says; memory and CPU stay
 * opt-in, because no default fits every job (and `RLIMIT_AS`, the
 * fallback, breaks runtimes that reserve large address spaces).
 *
 * @since 0.1.0
 * @category constructors
 */
export const DEFAULT_CEILINGS = { pids: 512, tmp: "256Mi" } as const satisfies Ceilings

/**
 * Ceilings in numbers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  readonly memoryBytes?: number
  /** CPUs, possibly fractional (`500m` is 0.5). */
  readonly cpus?: number
  /** The policy's timeout ceiling, in ms. */
  readonly timeoutMs?: number
  /** Tasks of the whole sandbox (`pids.max`). */
  readonly pids?: number
  /** Size of the `/tmp` tmpfs. */
  readonly tmpBytes?: number
}

const units: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40
}

/**
 * Parses a memory quantity in the Kubernetes spelling (`512Mi`, `1G`,
 * `1048576`); null when it is not one.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseMemory(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGT]i?|)\s*$/.exec(text)
  if (m === null) return null
  const bytes = Math.floor(Number(m[1]) * units[m[2]])
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null
}

/**
 * Parses a CPU quantity (`1`, `0.5`, `500m`); null when it is not one.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseCpu(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(text)
  if (m === null) return null
  const cpus = Number(m[1]) / (m[2] === "m" ? 1000 : 1)
  return cpus > 0 && Number.isFinite(cpus) ? cpus : null
}

/**
 * Reads the ceilings, or says which one is malformed. A malformed ceiling
 * makes the sandbox unavailable rather than silently unlimited.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseCeilings(ceilings: Ceilings | undefined): { readonly limits: Limits } | { readonly error: string } {
  const limits: { -readonly [K in keyof Limits]: Limits[K] } = {}
  if (ceilings?.memory !== undefined) {
    const bytes = parseMemory(ceilings.memory)
    if (bytes === null) return { error: `ceilings.memory ${JSON.stringify(ceilings.memory)} is not a quantity such as 512Mi` }
    limits.memoryBytes = bytes
  }
  if (ceilings?.cpu !== undefined) {
    const cpus = parseCpu(ceilings.cpu)
    if (cpus === null) return { error: `ceilings.cpu ${JSON.stringify(ceilings.cpu)} is not a quantity such as 1 or 500m` }
    limits.cpus = cpus
  }
  if (ceilings?.timeout !== undefined) {
    const ms = parseDuration(ceilings.timeout)
    if (ms === undefined || !(ms > 0)) return { error: `ceilings.timeout ${JSON.stringify(ceilings.timeout)} is not a duration such as 30m` }
    limits.timeoutMs = ms
  }
  if (ceilings?.pids !== undefined) {
    if (!Number.isSafeInteger(ceilings.pids) || ceilings.pids < 1) {
      return { error: `ceilings.pids ${JSON.stringify(ceilings.pids)} is not a whole number of processes such as 256` }
    }
    limits.pids = ceilings.pids
  }
  if (ceilings?.tmp !== undefined) {
    const bytes = parseMemory(ceilings.tmp)
    if (bytes === null) return { error: `ceilings.tmp ${JSON.stringify(ceilings.tmp)} is not a quantity such as 64Mi` }
    limits.tmpBytes = bytes
  }
  return { limits }
}

/**
 * `prlimit` options for the limits (`--as=…`, `--cpu=…`, `--nproc=…`);
 * empty when there is nothing to bound. `nproc` is the whole
 * `RLIMIT_NPROC` (see `_nproc.ts`), none when undefined.
 *
 * @since 0.1.0
 * @category constructors
 */
export function rlimitOptions(limits: Limits, timeoutMs: number | undefined, nproc?: number): Array<string> {
  const out: Array<string> = []
  if (limits.memoryBytes !== undefined) out.push(`--as=${limits.memoryBytes}`)
  const cpuSeconds = cpuBudgetSeconds(limits, timeoutMs)
  if (cpuSeconds !== undefined) out.push(`--cpu=${cpuSeconds}`)
  if (nproc !== undefined) out.push(`--nproc=${nproc}`)
  return out
}

/**
 * The same limits as a POSIX shell script that then execs its arguments;
 * one `ulimit` per limit (dash takes only one), `-v` in KiB.
 *
 * @since 0.1.0
 * @category constructors
 */
export function ulimitScript(limits: Limits, timeoutMs: number | undefined, nproc?: number): string {
  const out: Array<string> = []
  if (limits.memoryBytes !== undefined) out.push(`ulimit -v ${Math.max(1, Math.floor(limits.memoryBytes / 1024))}`)
  const cpuSeconds = cpuBudgetSeconds(limits, timeoutMs)
  if (cpuSeconds !== undefined) out.push(`ulimit -t ${cpuSeconds}`)
  // bash spells RLIMIT_NPROC -u, dash -p.
  if (nproc !== undefined) out.push(`{ ulimit -u ${nproc} 2>/dev/null || ulimit -p ${nproc}; }`)
  return [...out, 'exec "$@"'].join(" && ")
}

// The run cannot last longer than the shorter of the job's timeout and the
// policy's ceiling, so neither can it use more CPU time than cpus × that.
function cpuBudgetSeconds(limits: Limits, jobTimeoutMs: number | undefined): number | undefined {
  const bounds = [jobTimeoutMs, limits.timeoutMs].filter((ms): ms is number => ms !== undefined && Number.isFinite(ms) && ms > 0)
  if (limits.cpus === undefined || bounds.length === 0) return undefined
  return Math.max(1, Math.ceil(limits.cpus * Math.min(...bounds) / 1000))
}

/**
 * cgroup v2 file values for the limits (`memory.max`, `pids.max`, `cpu.max`
 * over a 100 ms period).
 *
 * @since 0.1.0
 * @category constructors
 */
export function cgroupValues(limits: Limits): Array<readonly [file: string, value: string]> {
  const out: Array<readonly [string, string]> = []
  if (limits.memoryBytes !== undefined) {
    out.push(["memory.max", String(limits.memoryBytes)])
    // Without this the limit only pushes the sandbox into swap.
    out.push(["memory.swap.max", "0"])
  }
  if (limits.pids !== undefined) out.push(["pids.max", String(limits.pids)])
  if (limits.cpus !== undefined) out.push(["cpu.max", `${cpuQuota(limits.cpus)} 100000`])
  return out
}

/** CPU microseconds per 100 ms period; the kernel's minimum is 1 ms. */
export function cpuQuota(cpus: number): number {
  return Math.max(1000, Math.round(cpus * 100_000))
}
