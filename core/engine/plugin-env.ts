/**
 * @module
 * What a plugin's `make` may read of the engine it is built for: the data
 * directory, the policy (a plugin reads its own section) and the stop
 * grace. Given as a service, so a definition stays a constant and each
 * engine builds its own implementation from its own settings.
 */
import * as Context from "effect/Context"
import type { Policy } from "../domain/policy.ts"

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
}

/**
 * @since 0.2.0
 * @category tags
 */
export class PluginEnv extends Context.Tag("flwd/plugin/PluginEnv")<PluginEnv, PluginEnvironment>() {}
