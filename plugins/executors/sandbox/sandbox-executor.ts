/**
 * @module
 * The `sandbox` executor (DESIGN §5): runs each step inside bubblewrap over
 * the job's rootfs — an add-on's unpacked image, or a minimal read-only set
 * of host directories for a local job that opts in with `executor: sandbox`.
 * What is isolated, per profile, is documented in `docs/sandbox.md`.
 *
 * The host's capabilities are probed once, on first use, and cached. When
 * bubblewrap is missing or cannot create its namespaces, `preview` says
 * `available: false` and the planner refuses the job with
 * `container.runtime.unavailable`; nothing ever falls back to the host.
 *
 * The implementation an engine builds (see `plugin.ts` for the definition).
 */
import { mkdir } from "node:fs/promises"
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import * as Effect from "effect/Effect"
import { ExecutorError } from "../../../core/mod.ts"
import type { ExecRequest, ExecResult, ExecutorImpl, ExecutorPreview, Job, RuntimeSettings } from "../../../core/mod.ts"
import { prepareError, removeSecrets, writeSecrets } from "../../exec/mod.ts"
import { bwrapOptions, encodeArgs, isolationFlags } from "./bwrap-args.ts"
import { ceilingNotices, describeBounds } from "./bounds.ts"
import { createStepCgroup, destroyStepCgroup, enforcementOf } from "./cgroups.ts"
import { type Capabilities, detectSandbox } from "./detect.ts"
import { resolveUser, sandboxArgv, sandboxEnv } from "./environment.ts"
import { launcher } from "./launcher.ts"
import { type Ceilings, DEFAULT_CEILINGS, type Limits, parseCeilings } from "./limits.ts"
import { nprocBudget } from "./_nproc.ts"
import { addonRootfsOf, describeRootfs, HOST_ROOTFS, type Mount, rootfsOf } from "./rootfs.ts"
import { ARGS_FD, runSandbox, STATUS_FD } from "./run-sandbox.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** bubblewrap: a path or a name looked up on PATH. Default `bwrap`. */
  readonly bwrap?: string
  /** Time between SIGTERM and SIGKILL when a step is stopped. Default 5000 ms. */
  readonly killGraceMs?: number
  /** Memory, CPU, process and `/tmp` ceilings (the policy's `ceilings`). Default: {@link DEFAULT_CEILINGS}. */
  readonly ceilings?: Ceilings
  /** `rlimit` forces rlimits even where a cgroup (v2 or v1) is writable. Default `auto`. */
  readonly limits?: "auto" | "rlimit"
  /** A delegated cgroup v2 directory for per-step cgroups. Default: this process's cgroup, when usable. */
  readonly cgroupParent?: string
  /** Host paths a local sandboxed job sees read-only. Default {@link HOST_ROOTFS}. */
  readonly hostRootfs?: ReadonlyArray<string>
}

const unavailable = (caps: Capabilities) =>
  new ExecutorError({
    code: "container.runtime.unavailable",
    detail: `Executor sandbox is unavailable: ${caps.reason ?? "not supported on this host"}`
  })

/**
 * Creates a sandbox executor.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeSandboxExecutor(options: Options = {}): ExecutorImpl {
  const killGraceMs = options.killGraceMs ?? 5000
  const hostPaths = options.hostRootfs ?? HOST_ROOTFS
  // The host's mounts, read once per executor (so per engine), never per process.
  const hostMountCache = new Map<string, Array<Mount>>()
  const ceilings: Ceilings = { ...DEFAULT_CEILINGS, ...options.ceilings }
  const parsed = parseCeilings(ceilings)
  let probe: Promise<Capabilities> | undefined
  const capabilities = Effect.promise(
    () => (probe ??= detectSandbox(options).then((caps): Capabilities =>
      caps.available && "error" in parsed ? { ...caps, available: false, reason: parsed.error } : caps
    ))
  )
  const limits: Limits = "limits" in parsed ? parsed.limits : {}
  const written = options.ceilings !== undefined && Object.keys(options.ceilings).length > 0

  const preview = (job: Job, settings: RuntimeSettings): Effect.Effect<ExecutorPreview> =>
    Effect.map(capabilities, (caps) => {
      const image = job.rootfs ?? addonRootfsOf(job.dir)
      const user = resolveUser(job.image_config, image)
      const ids = caps.userNamespace ? user : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
      const notes: Array<string> = []
      if (user.note !== undefined && caps.userNamespace) notes.push(user.note)
      if (!caps.userNamespace && caps.available) notes.push("no user namespace: the job keeps the engine's uid, without capabilities")
      if (settings.rootfsWritable) notes.push("rootfs stays read-only (bubblewrap 0.8 has no overlay); write to /flwd/run or /tmp")
      if (job.image_config?.WorkingDir) notes.push(`image WorkingDir ${job.image_config.WorkingDir} is not used: the working directory is /flwd/run`)
      if (caps.available && caps.cgroups === undefined) {
        notes.push(
          "no writable cgroup: memory is bounded per process, not for the whole run, and the process count by the host user's RLIMIT_NPROC (not at all for root)"
        )
      }
      return {
        kind: "sandbox",
        available: caps.available,
        details: {
          bwrap: caps.version ?? null,
          flags: caps.available ? isolationFlags({ network: settings.network, ...caps, ...ids }) : [],
          network: settings.network ? "host" : "none",
          env_inheritance: settings.inheritEnv,
          rootfs: describeRootfs(job, hostPaths),
          uid: ids.uid,
          gid: ids.gid,
          limits: caps.limits,
          enforcement: enforcementOf(caps.cgroups),
          bounds: describeBounds(ceilings),
          ceilings: written ? { ...options.ceilings } : null,
          ...(notes.length > 0 ? { notes } : {}),
          ...(caps.reason !== undefined ? { reason: caps.reason } : {})
        }
      }
    })

  const execute = (req: ExecRequest): Effect.Effect<ExecResult, ExecutorError> =>
    Effect.gen(function* () {
      const caps = yield* capabilities
      if (!caps.available) return yield* unavailable(caps)
      const argv = req.step.argv
      if (argv.length === 0 || argv[0] === "") {
        return yield* new ExecutorError({ code: "executor.failed", detail: `step ${req.step.id} has no command` })
      }
      const rootfs = yield* Effect.try({
        try: () => rootfsOf(req.job, { hostPaths, network: req.settings.network, cache: hostMountCache }),
        catch: (e) => prepareError("the rootfs", e)
      })
      const image = req.job.rootfs ?? addonRootfsOf(req.job.dir)
      const user = caps.userNamespace ? resolveUser(req.job.image_config, image) : { uid: 0, gid: 0 }
      const runDir = resolve(req.runDir)
      const secretsDir = resolve(req.secretsDir)
      const hasSecrets = req.secrets.length > 0
      yield* Effect.tryPromise({ try: () => mkdir(runDir, { recursive: true }), catch: (e) => prepareError("the run directory", e) })
      const options = yield* Effect.try({
        try: () =>
          encodeArgs([
            ...bwrapOptions({
              mounts: rootfs.mounts,
              jobDir: resolve(req.job.dir),
              runDir,
              ...(hasSecrets ? { secretsDir } : {}),
              network: req.settings.network,
              userNamespace: caps.userNamespace,
              disableUserns: caps.disableUserns,
              uid: user.uid,
              gid: user.gid,
              env: sandboxEnv(req),
              ...(limits.tmpBytes !== undefined ? { tmpBytes: limits.tmpBytes } : {})
            }),
            "--json-status-fd",
            String(STATUS_FD)
          ]),
        catch: (e) => prepareError("the sandbox", e)
      })
      const cgroupName = `flwd-${req.runId}-${randomBytes(4).toString("hex")}`
      const host = caps.limits === "cgroup" ? caps.cgroups : undefined
      return yield* Effect.acquireUseRelease(
        Effect.tryPromise({
          try: async () => {
            if (hasSecrets) await writeSecrets(secretsDir, req.secrets)
            // The cgroup exists, limits written, before anything of the job can start.
            return host !== undefined ? await createStepCgroup(host, cgroupName, limits) : null
          },
          catch: (e) => prepareError("the sandbox", e)
        }),
        (cgroup) => {
          const nproc = cgroup === null ? nprocBudget(limits.pids) : undefined
          const [command, ...prefix] = launcher({
            caps,
            limits,
            timeoutMs: req.job.timeout_ms,
            cgroups: cgroup?.dirs ?? null,
            ...(nproc !== undefined ? { nproc } : {})
          })
          return runSandbox({
            command,
            args: [...prefix, "--args", String(ARGS_FD), "--", ...sandboxArgv(argv)],
            options,
            display: argv[0],
            killGraceMs,
            onOutput: req.onOutput
          }).pipe(
            // Tell the job's log why it failed when a ceiling is what stopped it.
            Effect.tap(() =>
              cgroup === null ? Effect.void : Effect.flatMap(
                Effect.promise(() => ceilingNotices(cgroup, ceilings, limits)),
                (lines) => (lines.length > 0 ? req.onOutput("stderr", lines) : Effect.void)
              )
            )
          )
        },
        (cgroup) =>
          Effect.promise(async () => {
            if (cgroup !== null) await destroyStepCgroup(cgroup)
            if (hasSecrets) await removeSecrets(secretsDir)
          })
      ).pipe(Effect.onError(() => (hasSecrets ? Effect.promise(() => removeSecrets(secretsDir)) : Effect.void)))
    })

  return { preview, execute }
}
