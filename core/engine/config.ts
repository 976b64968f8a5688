/**
 * @module
 * The engine's settings, resolved by the entrypoints (CLI flags, env, files).
 */
import * as Context from "effect/Context"
import type { Policy } from "../domain/policy.ts"

/** @since 0.1.0 @category models */
export interface EngineSettings {
  /** Data directory: `flwd.db`, `runs/`, and what plugins keep (each under a directory of its own). */
  readonly dataDir: string
  /** The root job tree whose jobs keep bare ids; absent when none. */
  readonly root?: string
  /** The default profile (before a request's choice). Default `secure`. */
  readonly profile: string
  readonly policy: Policy
  /** Directory of the policy file; relative paths in the policy resolve against it. Default: the working directory. */
  readonly policyDir?: string
  /** The policy file in force (null: none, the built-in policy); absent when the entrypoint did not say. */
  readonly policyFile?: string | null
  /** Directories local sources may point into (absolute). */
  readonly allowedLocalRoots: ReadonlyArray<string>
  /** Runs executing at once across the engine; more wait queued. Default 4. */
  readonly maxConcurrentRuns: number
  /** Default run timeout when a job names none. Default 1 hour. */
  readonly defaultTimeoutMs: number
  /** Time between SIGTERM and SIGKILL when a run is canceled. Default 5 s. */
  readonly killGraceMs: number
  /**
   * Whether this engine takes runs from a queue its store shares with
   * other engines (servers do). Otherwise it executes only the runs it
   * accepts, as a CLI does. Default false.
   */
  readonly claimsQueuedRuns?: boolean
}

/**
 * @since 0.1.0
 * @category tags
 */
export class EngineConfig extends Context.Tag("flwd/engine/EngineConfig")<EngineConfig, EngineSettings>() {}
