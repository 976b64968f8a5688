/**
 * @module
 * Binding arguments into a step (DESIGN §4): `ARG_<NAME>` per argument,
 * `FLWD_ARGS_JSON` with every non-secret value, the run's own variables, and
 * secrets kept apart so they only ever reach the job as files.
 */
import type { ResolvedPlan } from "./runner.ts"

/** What a run hands every step, plus the redaction its output goes through. */
export interface Binding {
  readonly env: Readonly<Record<string, string>>
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly value: string }>
  /** Replaces every secret value in a line with `***`. */
  readonly redact: (line: string) => string
}

/** `ARG_` + the name upper-cased, `-` as `_`. */
export function argEnvName(name: string): string {
  return "ARG_" + name.toUpperCase().replace(/-/g, "_")
}

function envValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value
    case "number":
    case "bigint":
    case "boolean":
      return String(value)
    default:
      return JSON.stringify(value)
  }
}

/** Builds the step environment and the redactor of one run. */
export function bind(resolved: ResolvedPlan, ids: { readonly runId: string; readonly runDir: string }): Binding {
  const secretNames = new Set(resolved.secretNames)
  const args: Record<string, string> = {}
  const plain: Record<string, unknown> = {}
  const secrets: Array<{ name: string; value: string }> = []
  for (const [name, value] of Object.entries(resolved.values)) {
    if (value === undefined || value === null) continue
    if (secretNames.has(name)) secrets.push({ name, value: envValue(value) })
    else {
      plain[name] = value
      args[argEnvName(name)] = envValue(value)
    }
  }
  // Later entries win: the engine's own variables cannot be overridden by a job.
  const env: Record<string, string> = {
    ...resolved.job.env,
    ...args,
    FLWD_ARGS_JSON: JSON.stringify(plain),
    FLWD_RUN_ID: ids.runId,
    FLWD_JOB_ID: resolved.plan.job_id,
    FLWD_RUN_DIR: ids.runDir
  }
  // Longest first, so a secret that contains another is masked whole.
  const values = secrets.map((s) => s.value).filter((v) => v.length > 0).sort((a, b) => b.length - a.length)
  const redact = values.length === 0
    ? (line: string) => line
    : (line: string) => values.reduce((acc, v) => (acc.includes(v) ? acc.split(v).join("***") : acc), line)
  return { env, secrets, redact }
}
