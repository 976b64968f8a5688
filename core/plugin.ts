/**
 * @module
 * The plugin contract (v2). A plugin is a light definition — a kind name,
 * a Schema, what it contributes (policy section, problem codes, CLI flags,
 * `check` and `gc` hooks) — and a `make` Effect that the engine runs once
 * per engine, inside the engine's Scope, to build the implementation.
 * Nothing a plugin builds outlives its engine, so two engines in one process
 * share nothing. Built-in sources, profiles and executors implement these
 * interfaces exactly as a third-party plugin would.
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Path from "@effect/platform/Path"
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { ExecutorError, PluginError, PolicyError, ProblemInfo, SourceError, ValidationError } from "./domain/errors.ts"
import type { Diagnostic, Job, JobDefinition, Step } from "./domain/job.ts"
import type { ExecutorPreview } from "./domain/plan.ts"
import type { Decision, Policy, RuntimeSettings } from "./domain/policy.ts"
import type { SourceRecord, SourceSpec } from "./domain/source.ts"
import type { PluginEnv } from "./engine/plugin-env.ts"

/**
 * The services a plugin's `make` (and its hooks) may require. The engine
 * provides them: `@effect/platform-node`'s `NodeContext` and
 * `NodeHttpClient` under Node, their Deno equivalents under Deno.
 *
 * @since 0.2.0
 * @category models
 */
export type PlatformServices =
  | FileSystem.FileSystem
  | Path.Path
  | CommandExecutor.CommandExecutor
  | HttpClient.HttpClient

/**
 * What a plugin's `make` may require: a Scope (released with the engine),
 * the platform services, and `PluginEnv` (the engine's data directory,
 * policy and stop grace).
 *
 * @since 0.2.0
 * @category models
 */
export type MakeServices = Scope.Scope | PlatformServices | PluginEnv

/**
 * What the engine gives a plugin's `check` hook when it starts.
 *
 * @since 0.2.0
 * @category models
 */
export interface CheckContext {
  /** The whole policy, decoded with the assembled Schema: a plugin reads its own section. */
  readonly policy: Policy
  /** Directory relative paths in the policy resolve against (the policy file's); absent: the working directory. */
  readonly policyDir?: string
  /** The policy file in force, for messages (null: none). */
  readonly policyFile?: string | null
  readonly dataDir: string
}

/**
 * What the engine gives a plugin's `gc` hook.
 *
 * @since 0.2.0
 * @category models
 */
export interface GcContext {
  readonly dataDir: string
  /** Every source record of the engine (all kinds): what they reference must be kept. */
  readonly sources: ReadonlyArray<SourceRecord>
  /**
   * Keys leased by any engine sharing the store (`PluginEnv.leases`): what
   * they name must be kept too. Read before `sources`: a lease released
   * before this read was released after its work's record was stored, so
   * `sources` holds that record.
   */
  readonly leases: ReadonlyArray<string>
  /** True: report what would be removed, remove nothing. */
  readonly dryRun: boolean
}

/**
 * What a `gc` hook removed (or, on a dry run, would remove).
 *
 * @since 0.2.0
 * @category models
 */
export interface GcReport {
  /** Entries removed (blobs, clones, unpacked trees…). */
  readonly removed: number
  /** Bytes freed. */
  readonly bytes: number
  /** Plugin-specific figures shown by `flwd :gc --json` (e.g. `{ blobs: 3, addons: 1 }`). */
  readonly details?: Readonly<Record<string, unknown>>
}

/**
 * What any plugin may contribute besides its implementation; all optional.
 *
 * @since 0.2.0
 * @category models
 */
export interface Contributions {
  /**
   * Policy keys this plugin owns, as Schema fields (top-level keys of the
   * policy file). Core assembles the policy Schema from its own fields and
   * every plugin's section; unknown keys stay rejected with `policy.invalid`
   * naming the key, and two plugins claiming one key is `plugin.invalid`.
   */
  readonly policy?: Schema.Struct.Fields
  /**
   * Problem codes this plugin fails with. The engine's problem table is
   * core's plus every plugin's; the server's problem+json and OpenAPI and
   * the CLI's fix hints read the assembled table. A code core already has,
   * or another plugin claims, is `plugin.invalid`.
   */
  readonly problems?: Readonly<Record<string, ProblemInfo>>
  /**
   * Checks the plugin's policy section when the engine starts; a failure
   * stops the start (`policy.invalid`). It runs at every start, so it asks
   * for no platform service: a start needs none of them built.
   */
  readonly check?: (ctx: CheckContext) => Effect.Effect<void, PolicyError>
  /**
   * Removes what the plugin keeps in the data directory that no source
   * record references; called generically by `flwd :gc` and the server's
   * periodic sweep.
   */
  readonly gc?: (ctx: GcContext) => Effect.Effect<GcReport, PluginError, PlatformServices>
  /**
   * Removes what an interrupted operation of this plugin left in the data
   * directory (temporary files, markers of dead processes). The engine runs
   * it at every start, before sources are restored and whatever sources
   * exist: the operation may never have become a source. Keep it cheap when
   * there is nothing to remove (it asks for no platform service, as
   * `check`); a failure never stops the start (the next start sweeps again).
   */
  readonly sweep?: (ctx: { readonly dataDir: string }) => Effect.Effect<void, PluginError>
}

/**
 * Progress of long work. Core's no-progress watchdog is reset only when a
 * counter (`bytes`, `entries`) grows: a report without growth is not
 * progress, so a plugin cannot keep a hung call alive with heartbeats.
 *
 * @since 0.2.0
 * @category models
 */
export interface Progress {
  /** Bytes received or written so far (monotonic). */
  readonly bytes?: number
  /** Entries (files, objects, layers) handled so far (monotonic). */
  readonly entries?: number
  /** Shown to the user: what is being worked on (`pulling sha256:…`). */
  readonly [detail: string]: unknown
}

/**
 * What the engine gives a source plugin while it resolves and loads.
 *
 * @since 0.1.0
 * @category models
 */
export interface SourceContext {
  readonly name: string
  readonly dataDir: string
  /** The engine's default profile: ask it with `admit` (undefined = apply the plugin's strict default). */
  readonly profile: ProfilePlugin
  /** The whole policy: the plugin reads its own section. */
  readonly policy: Policy
  /** Directory relative paths in the policy resolve against; absent: the working directory. */
  readonly policyDir?: string
  /** The policy file in force, for messages (null: none); absent when unknown. */
  readonly policyFile?: string | null
  /** Directories on the host sources may read from (resolved, absolute; the policy's `allowed_local_roots`). */
  readonly allowedLocalRoots: ReadonlyArray<string>
  /** Reports progress; rendered by the CLI, streamed by the server; growth of a counter resets the watchdog. */
  readonly progress: (progress: Progress) => Effect.Effect<void>
  /** Journals a policy decision (a `policy.decision` event naming this source). */
  readonly decide: (decision: Decision) => Effect.Effect<void>
}

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
  /** Executor every job of this source must use, whatever the job says. */
  readonly executor?: string
}

/**
 * One `flwd :sources add` flag of a source kind. The CLI's parsing, help and
 * completion come from these.
 *
 * @since 0.2.0
 * @category models
 */
export interface AddFlag {
  /** The flag without dashes (`ref` for `--ref`). */
  readonly flag: string
  /** The spec field it sets (default: the flag name). */
  readonly field?: string
  /** How the value is read: a string, a boolean switch (no value), or an integer. Default `string`. */
  readonly value?: "string" | "boolean" | "integer"
  readonly help: string
  /** Placeholder in help (`REF`, `PATH`). */
  readonly placeholder?: string
  /** What the shell completes: the listed values, files, directories, or nothing. */
  readonly complete?: ReadonlyArray<string> | "file" | "directory"
  /** The value given positionally after the name (`flwd :sources add NAME VALUE`); at most one flag per kind. */
  readonly positional?: boolean
}

/**
 * What a source plugin's `make` builds: the operations on one source.
 *
 * @since 0.2.0
 * @category plugins
 */
export interface SourceImpl<Spec, Pin> {
  /** What the spec names now, as an immutable pin (a digest, a commit). Present for kinds that re-resolve. */
  readonly resolve?: (spec: Spec, ctx: SourceContext) => Effect.Effect<Pin, SourceError>
  /** The pinned content (`pin` is null for kinds without `resolve`). */
  readonly load: (spec: Spec, pin: Pin | null, ctx: SourceContext) => Effect.Effect<LoadedSource, SourceError>
  /**
   * Frees what a state holds once removed or replaced. `loaded` is the state
   * being released, so a plugin can keep what a replacement loaded from the
   * same spec. Failures are ignored.
   */
  readonly release?: (spec: Spec, loaded: LoadedSource) => Effect.Effect<void>
  /** The spec as it may be shown and stored (credentials masked). */
  readonly redact?: (spec: Spec) => Readonly<Record<string, unknown>>
}

/**
 * What a source plugin's `inspect` is given: the policy and profile an add
 * would be decided under, outside any engine.
 *
 * @since 0.2.0
 * @category models
 */
export interface InspectContext {
  /** The profile an add would be asked under (the engine's default profile). */
  readonly profile: ProfilePlugin
  /** The whole policy: the plugin reads its own section. */
  readonly policy: Policy
  /** Directory relative paths in the policy resolve against. */
  readonly policyDir: string
  readonly dataDir: string
}

/**
 * One line `flwd :policy check` prints under the decisions: `label  text`;
 * a `detail` line belongs to the line before it (printed indented, dimmed).
 *
 * @since 0.2.0
 * @category models
 */
export interface InspectionLine {
  readonly label: string
  readonly text: string
  readonly detail?: boolean
}

/**
 * What adding a spec would decide, found without adding it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Inspection {
  /** What was inspected, as the user would name it (an image reference, a URL). */
  readonly subject: string
  /** The profile it was decided under. */
  readonly profile: string
  readonly admitted: boolean
  /** Every decision, in the order an add would journal them. */
  readonly decisions: ReadonlyArray<Decision>
  /** Why it is not admitted; null when it is. */
  readonly problem: { readonly code: string; readonly detail: string } | null
  /** What the text output shows under the decisions (a digest, a signer). */
  readonly report: ReadonlyArray<InspectionLine>
  /** The plugin's own outcome, the document `--json` prints (the plugin's fields; it holds the fields above). */
  readonly document: Readonly<Record<string, unknown>>
}

/**
 * A kind of source (`git`, `oci`, a directory tree, …).
 *
 * Pull policies are core's: a spec's `pull_policy` (`on-add`, `on-startup`,
 * `on-run`, `always`) is applied by core for every kind with `resolve` —
 * `on-add`: resolved when added and on refresh; `on-startup`: again at each
 * start (the stored pin is kept, with a `source.stale` warning, when that
 * fails); `on-run`: at the first use after a start; `always`: at every use.
 *
 * @since 0.1.0
 * @category plugins
 */
export interface SourcePlugin<Spec = any, Pin = never> extends Contributions {
  readonly type: string
  /** Other type names accepted for this kind (`fs` for `local`). */
  readonly aliases?: ReadonlyArray<string>
  /** Decodes the whole spec (`type`, `name` and the plugin's fields, parsed into their types); unknown fields are rejected. */
  readonly spec: Schema.Schema<Spec, any>
  /** The pin's Schema; present for kinds that re-resolve. Core stores pins encoded with it and decodes them on start. */
  readonly pin?: Schema.Schema<Pin, any>
  /** `flwd :sources add` flags of this kind. */
  readonly addFlags?: ReadonlyArray<AddFlag>
  /**
   * What adding `spec` would decide (admission, verification), without
   * adding it: nothing is journaled, stored or kept, and no engine runs.
   * `flwd :policy check` calls it for any kind that has it. Fails only when
   * the question cannot be answered (unreachable origin, unusable policy).
   */
  readonly inspect?: (spec: Spec, ctx: InspectContext) => Effect.Effect<Inspection, SourceError | PolicyError | ValidationError>
  /** Builds the implementation, once per engine, released with it; heavy modules are `import()`ed here. */
  readonly make: Effect.Effect<SourceImpl<Spec, Pin>, PluginError, MakeServices>
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
 * What an executor plugin's `make` builds. Interrupting `execute` must stop
 * every process it started.
 *
 * @since 0.2.0
 * @category plugins
 */
export interface ExecutorImpl {
  readonly preview: (job: Job, settings: RuntimeSettings) => Effect.Effect<ExecutorPreview>
  readonly execute: (req: ExecRequest) => Effect.Effect<ExecResult, ExecutorError>
  /** The longest a run may take under this executor and policy (a ceiling); absent: no ceiling. */
  readonly timeoutCeilingMs?: (policy: Policy) => number | undefined
}

/**
 * Runs steps (`process`, `sandbox`, …).
 *
 * @since 0.1.0
 * @category plugins
 */
export interface ExecutorPlugin extends Contributions {
  readonly kind: string
  readonly make: Effect.Effect<ExecutorImpl, PluginError, MakeServices>
}

/**
 * The questions a profile may be asked, by kind. Core asks `source.add`;
 * plugins add theirs by declaration merging:
 *
 * ```ts
 * declare module "flwd" {
 *   interface AdmissionRequests { "oci.registry": { readonly registry: string } }
 * }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface AdmissionRequests {
  /** A source is being added (the root tree excepted). */
  "source.add": { readonly spec: SourceSpec }
}

/**
 * One admission question: `{ kind, ...fields }` for a kind of `AdmissionRequests`.
 *
 * @since 0.2.0
 * @category models
 */
export type AdmissionRequest = {
  readonly [K in keyof AdmissionRequests]: { readonly kind: K } & AdmissionRequests[K]
}[keyof AdmissionRequests]

/**
 * A security profile (`secure`, `permissive`, `disabled`, or a custom one).
 *
 * @since 0.1.0
 * @category plugins
 */
export interface ProfilePlugin extends Contributions {
  readonly name: string
  /** Higher is stricter. A request may always pick a stricter profile. */
  readonly strictness: number
  readonly summary?: string
  readonly runtime: (policy: Policy) => RuntimeSettings
  /**
   * Answers an admission question. `undefined` is no opinion: the asking
   * plugin applies its strict default, so silence never weakens a check.
   */
  readonly admit?: (request: AdmissionRequest, policy: Policy) => Decision | undefined
}

/**
 * Any source plugin, whatever its spec and pin (a kind without pins has
 * `Pin = never`, which Schema's invariance keeps apart from `any`).
 *
 * @since 0.2.0
 * @category models
 */
export type AnySourcePlugin = SourcePlugin<any, any> | SourcePlugin<any, never>

/**
 * The plugins an engine is built with, by kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface PluginSet {
  readonly sources: ReadonlyArray<AnySourcePlugin>
  readonly profiles: ReadonlyArray<ProfilePlugin>
  readonly executors: ReadonlyArray<ExecutorPlugin>
  /** The executor of jobs that name none (the engine's home sets it); absent: such jobs fail with `executor.unknown`. */
  readonly defaultExecutor?: string
}
