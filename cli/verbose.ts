/**
 * @module
 * The lines `-v/--verbose` adds on stderr: which data directory, job tree,
 * profile, policy and config file an invocation ended up with, and how
 * long things took. Precedence (flag > environment > file > default) is
 * easy to get wrong from the outside; this says what won.
 */
import type { EngineSettings } from "../core/mod.ts"

/** `flwd: engine started in 120 ms: data dir …, root …, profile …, policy …, config …`. */
export function describeEngine(settings: EngineSettings, configFile: string | null, ms: number): string {
  const parts = [
    `data dir ${settings.dataDir}`,
    `root ${settings.root ?? "./jobs"}`,
    `profile ${settings.profile}`,
    `policy ${settings.policyFile ?? "none"}`,
    `config ${configFile ?? "none"}`
  ]
  return `flwd: engine started in ${Math.round(ms)} ms: ${parts.join(", ")}`
}
