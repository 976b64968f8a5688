/**
 * @module
 * What a plugin's `make` may read of the engine it is built for: the data
 * directory, the policy (a plugin reads its own section), the stop grace
 * and the engine's leases. Given as a service, so a definition stays a constant and each
 * engine builds its own implementation from its own settings.
 */
import * as Context from "effect/Context"
import type { Policy } from "../domain/policy.ts"
import type { Leases } from "./leases.ts"

/** @since 0.2.0 @category models */
export interface PluginEnvironment {
  readonly dataDir: string
  readonly policy: Policy
  /** Directory relative paths in the policy resolve against; absent: the working directory. */
  readonly policyDir?: string
  /** The policy file in force, for messages (null: none); absent when unknown. */
  readonly policyFile?: string | null
  /** Time between SIGTERM and SIGKILL when a step is stopped. */
  readonly killGraceMs: number
  /**
   * Leases on what the plugin keeps in the data directory, in the engine's
   * store: what a plugin holds a lease on, no engine sharing the store
   * collects (its `gc` hook is told the keys leased). Absent outside an
   * engine (a plugin built on its own): nothing is leased.
   */
  readonly leases?: Leases
}

/**
 * @since 0.2.0
 * @category tags
 */
export class PluginEnv extends Context.Tag("flwd/plugin/PluginEnv")<PluginEnv, PluginEnvironment>() {}
