/**
 * @module
 * The `process` executor: runs steps as host processes, no isolation. Each
 * step runs in the job directory with a clean environment unless the
 * profile lets the host environment through, contained so that nothing it
 * starts outlives it: in a PID namespace of its own where bubblewrap can
 * make one, else in its own session and process group (see
 * `containment.ts`).
 *
 * The implementation an engine builds (see `plugin.ts` for the definition).
 */
import { mkdir } from "node:fs/promises"
import { dirname, isAbsolute, resolve } from "node:path"
import * as Effect from "effect/Effect"
import { ExecutorError } from "../../../core/mod.ts"
import type { ExecRequest, ExecResult, ExecutorImpl, Job, RuntimeSettings } from "../../../core/mod.ts"
import { runProcess } from "./run-process.ts"
import { prepareError, recordFile, removeSecrets, writeSecrets } from "../../exec/mod.ts"
import { type Containment, type ContainmentMode, detectContainment } from "./containment.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Time between SIGTERM and SIGKILL when a step is stopped. Default 5000 ms. */
  readonly killGraceMs?: number
  /** PATH given to jobs that do not inherit the host environment. Default: the host's PATH, else `/usr/local/bin:/usr/bin:/bin`. */
  readonly path?: string
  /**
   * `auto` puts each step in a PID namespace where bubblewrap can make one;
   * `process-group` never does. Default: `FLWD_PROCESS_CONTAINMENT`, else `auto`.
   */
  readonly containment?: ContainmentMode
  /** bubblewrap: a path or a name looked up on PATH. Default `bwrap`. */
  readonly bwrap?: string
}

const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return env
}

/** The step's environment: host variables (all, or PATH only), then the request's. */
function environment(req: ExecRequest, options: Options, runDir: string, secretsDir: string): Record<string, string> {
  const base = req.settings.inheritEnv ? hostEnv() : { PATH: options.path ?? process.env.PATH ?? DEFAULT_PATH }
  // FLWD_RUN_ID is also the marker that finds the run's processes (see plugins/exec/leftovers.ts).
  const env: Record<string, string> = { ...base, ...req.env, FLWD_RUN_ID: req.runId, FLWD_RUN_DIR: runDir }
  if (req.secrets.length > 0) env.FLWD_SECRETS_DIR = secretsDir
  else delete env.FLWD_SECRETS_DIR
  return env
}

// `./x` and `../x` are relative to the job directory; anything else is
// absolute or a bare name found on PATH.
function program(argv0: string, jobDir: string): string {
  return argv0.startsWith("./") || argv0.startsWith("../") ? resolve(jobDir, argv0) : argv0
}

/**
 * Creates a process executor.
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeProcessExecutor(options: Options = {}): ExecutorImpl {
  const killGraceMs = options.killGraceMs ?? 5000
  const mode = options.containment ?? (process.env.FLWD_PROCESS_CONTAINMENT === "process-group" ? "process-group" : "auto")
  // Probed once, on first use: an engine that runs no local job never starts bubblewrap.
  let detected: Promise<Containment> | undefined
  // Once known, answered synchronously: awaiting a settled promise still suspends the fiber, on every plan.
  let known: Containment | undefined
  const containment = Effect.suspend(() =>
    known !== undefined ? Effect.succeed(known) : Effect.tap(Effect.promise(() => detected ??= detectContainment(mode, options.bwrap)), (c) => {
      known = c
    })
  )

  const execute = (req: ExecRequest): Effect.Effect<ExecResult, ExecutorError> =>
    Effect.suspend(() => {
      const argv = req.step.argv
      if (argv.length === 0 || argv[0] === "") {
        return Effect.fail(new ExecutorError({ code: "executor.failed", detail: `step ${req.step.id} has no command` }))
      }
      // Jobs run in their own directory, so every path handed to them is absolute.
      const runDir = resolve(req.runDir)
      const secretsDir = resolve(req.secretsDir)
      const hasSecrets = req.secrets.length > 0
      const prepare = Effect.tryPromise({
        try: () => mkdir(runDir, { recursive: true }),
        catch: (e) => prepareError("the run directory", e)
      }).pipe(
        Effect.zipRight(
          hasSecrets ? Effect.tryPromise({ try: () => writeSecrets(secretsDir, req.secrets), catch: (e) => prepareError("secrets", e) }) : Effect.void
        )
      )
      const run = Effect.flatMap(containment, (containment) =>
        runProcess({
          command: program(argv[0], req.job.dir),
          args: argv.slice(1),
          display: argv[0],
          cwd: isAbsolute(req.job.dir) ? req.job.dir : resolve(req.job.dir),
          env: environment(req, options, runDir, secretsDir),
          killGraceMs,
          onOutput: req.onOutput,
          containment,
          runId: req.runId,
          // Beside the run's work directory, out of the job's way.
          record: recordFile(dirname(runDir), req.step.id)
        }))
      return prepare.pipe(
        Effect.zipRight(run),
        Effect.ensuring(hasSecrets ? Effect.promise(() => removeSecrets(secretsDir)) : Effect.void)
      )
    })

  const preview = (job: Job, settings: RuntimeSettings) =>
    Effect.map(containment, (c) => ({
      kind: "process",
      available: true,
      details: {
        cwd: job.dir,
        env_inheritance: settings.inheritEnv,
        isolation: "none",
        // What makes sure nothing the job starts outlives its run.
        containment: c.kind,
        ...(c.kind === "process-group" ? { containment_reason: c.reason } : {})
      }
    }))

  return { preview, execute }
}
