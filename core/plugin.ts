/**
 * @module
 * The three plugin kinds. Built-in sources, profiles and executors implement
 * these interfaces exactly as a third-party plugin would.
 */
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { ExecutorError, SourceError } from "./domain/errors.ts"
import type { Diagnostic, Job, JobDefinition, Step } from "./domain/job.ts"
import type { ExecutorPreview } from "./domain/plan.ts"
import type { Decision, Policy, RuntimeSettings, SignatureMode } from "./domain/policy.ts"
import type { SourceSpec } from "./domain/source.ts"

/**
 * What a source plugin produced: a job tree's jobs (ids local to the
 * source), the problems found per path, and where it came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadedSource {
  readonly root: string
  readonly jobs: ReadonlyArray<JobDefinition>
  readonly diagnostics: ReadonlyArray<Diagnostic>
  readonly provenance: Readonly<Record<string, unknown>>
  /** Executor every job of this source must use (add-ons: `sandbox`). */
  readonly executor?: string
}

/**
 * What the engine gives a source plugin while it loads.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourceContext {
  readonly name: string
  readonly dataDir: string
  readonly profile: ProfilePlugin
  readonly policy: Policy
  /**
   * Directory of the policy file: relative paths in the policy
   * (`trust.keys[].path`, `trust.trusted_root`) resolve against it.
   * Absent: the working directory.
   */
  readonly policyDir?: string
  /** The policy file in force, for messages (null: none); absent when unknown. */
  readonly policyFile?: string | null
  /** Directories local sources must stay inside (resolved, absolute). */
  readonly allowedLocalRoots: ReadonlyArray<string>
  /** Reports progress of long work (pulls); rendered by the CLI, streamed by the server. */
  readonly progress: (data: Readonly<Record<string, unknown>>) => Effect.Effect<void>
  /** Journals a policy decision. */
  readonly decide: (decision: Decision) => Effect.Effect<void>
}

/**
 * A kind of source (`local`, `git`, `oci`, …).
 *
 * @since 0.1.0
 * @category plugins
 */
export interface SourcePlugin<Spec extends SourceSpec = SourceSpec> {
  readonly type: string
  /** Other type names accepted for this kind (`fs` for `local`). */
  readonly aliases?: ReadonlyArray<string>
  /** Decodes the whole spec (`type`, `name` and the plugin's own fields); unknown fields are rejected. */
  readonly spec: Schema.Schema<Spec, any>
  /** Loads (or pulls) the source and discovers its jobs. */
  readonly load: (spec: Spec, ctx: SourceContext) => Effect.Effect<LoadedSource, SourceError>
  /**
   * Called before a job of the source is planned or run; returns a new state
   * when the source changed (pull policies `on-run`, `always`), else null.
   */
  readonly beforeUse?: (spec: Spec, current: LoadedSource, ctx: SourceContext) => Effect.Effect<LoadedSource | null, SourceError>
  /** Called on engine start for a persisted source; defaults to `load`. */
  readonly restore?: (spec: Spec, ctx: SourceContext) => Effect.Effect<LoadedSource, SourceError>
  /**
   * Releases what the source holds on disk once removed or replaced.
   * `loaded` is the state being released (absent when it never loaded), so
   * a plugin can keep what a replacement loaded from the same spec.
   */
  readonly remove?: (spec: Spec, ctx: SourceContext, loaded?: LoadedSource) => Effect.Effect<void>
  /** The spec as it may be shown and stored (credentials masked). */
  readonly redact?: (spec: Spec) => Readonly<Record<string, unknown>>
}

/**
 * A security profile (`secure`, `permissive`, `disabled`, or a custom one).
 *
 * @since 0.1.0
 * @category plugins
 */
export interface ProfilePlugin {
  readonly name: string
  /** Higher is stricter. A request may always pick a stricter profile. */
  readonly strictness: number
  readonly summary?: string
  readonly runtime: (policy: Policy) => RuntimeSettings
  readonly admitSource?: (spec: SourceSpec, policy: Policy) => Decision
  readonly admitRegistry?: (registry: string, policy: Policy) => Decision
  readonly signatureMode?: (policy: Policy) => SignatureMode
}

/**
 * One step to execute, fully resolved.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecRequest {
  readonly runId: string
  readonly job: Job
  readonly step: Step
  /** Writable per-run directory (`FLWD_RUN_DIR`). */
  readonly runDir: string
  /** Where secrets are to be written, one file per secret, mode 0400. */
  readonly secretsDir: string
  /** The complete environment of the step, apart from host variables. */
  readonly env: Readonly<Record<string, string>>
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly settings: RuntimeSettings
  /** Receives complete output lines in order; the executor waits for it (backpressure). */
  readonly onOutput: (stream: "stdout" | "stderr", lines: ReadonlyArray<string>) => Effect.Effect<void>
}

/** @since 0.1.0 @category models */
export interface ExecResult {
  readonly exitCode: number
  readonly signal: string | null
}

/**
 * Runs steps. Interrupting `execute` must stop every process it started.
 *
 * @since 0.1.0
 * @category plugins
 */
export interface ExecutorPlugin {
  readonly kind: string
  readonly preview: (job: Job, settings: RuntimeSettings) => Effect.Effect<ExecutorPreview>
  readonly execute: (req: ExecRequest) => Effect.Effect<ExecResult, ExecutorError>
}

/**
 * The built-in and loaded plugins, by kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface PluginSet {
  readonly sources: ReadonlyArray<SourcePlugin<any> | LazySourcePlugin>
  readonly profiles: ReadonlyArray<ProfilePlugin>
  readonly executors: ReadonlyArray<ExecutorPlugin | LazyExecutorPlugin>
}

/**
 * A source plugin whose module is imported the first time a source of its
 * type is added, restored or used, so that commands which never touch it do
 * not pay for loading it.
 *
 * @since 0.1.0
 * @category plugins
 */
export interface LazySourcePlugin {
  readonly type: string
  readonly aliases?: ReadonlyArray<string>
  readonly lazy: () => Promise<SourcePlugin<any>>
}

/**
 * An executor plugin imported the first time a job needs it.
 *
 * @since 0.1.0
 * @category plugins
 */
export interface LazyExecutorPlugin {
  readonly kind: string
  readonly lazy: () => Promise<ExecutorPlugin>
}
