/**
 * @module
 * How the CLI reports a problem: one `flwd: code: detail` line plus field
 * errors and the fix hint from core's problem table, or the JSON problem
 * document under `--json`, and the exit status for it. Apart from
 * `output.ts` because core's table brings Effect with it: the entrypoint
 * loads this module only when a command has failed.
 */
import { isProblem, problemFix } from "../core/mod.ts"
import type { Output } from "./output.ts"

/** What the CLI knows how to report: core's problems and its own usage errors. */
export interface ProblemLike {
  readonly code: string
  readonly detail: string
  readonly status?: number
  readonly title?: string
  readonly errors?: ReadonlyArray<{ readonly path: string; readonly message: string }>
}

/** True for core's tagged errors and the CLI's `UsageError`. */
export function isProblemLike(u: unknown): u is ProblemLike {
  return typeof u === "object" && u !== null && typeof (u as { code?: unknown }).code === "string" &&
    typeof (u as { detail?: unknown }).detail === "string"
}

/** Any thrown value as a problem; foreign errors become `internal`. */
export function toProblem(u: unknown): ProblemLike {
  if (isProblemLike(u)) return u
  const message = u instanceof Error ? u.message : String(u)
  return { code: "internal", detail: message, status: 500, title: "Internal error" }
}

/**
 * Codes meaning the command line itself was wrong (bad flags or values, a
 * name that does not exist): exit 2. Everything else exits 1.
 */
const usageCodes: ReadonlySet<string> = new Set([
  "validation.failed",
  "args.invalid",
  "job.not.found",
  "profile.unknown",
  "policy.invalid",
  "config.invalid",
  "source.invalid",
  "source.type.unknown",
  "source.name.reserved",
  "source.trust.required"
])

/** Exit status for a problem. */
export function exitCodeFor(problem: ProblemLike): number {
  return usageCodes.has(problem.code) ? 2 : 1
}

/**
 * Prints a problem to stderr: one `flwd: code: detail` line plus one
 * indented line per field error, or a JSON problem object under `--json`.
 */
export function printProblem(out: Output, u: unknown): number {
  const problem = toProblem(u)
  const fix = isProblem(problem) ? problemFix(problem, "cli") : undefined
  if (out.json) {
    out.note(JSON.stringify({
      // The same document the HTTP API returns, less `instance` (no URL here).
      type: `urn:flwd:problem:${problem.code}`,
      title: problem.title ?? problem.code,
      status: problem.status ?? 500,
      detail: problem.detail,
      code: problem.code,
      ...(problem.errors !== undefined && problem.errors.length > 0 ? { errors: problem.errors.map((e) => ({ path: e.path, message: e.message })) } : {}),
      ...(fix !== undefined ? { fix } : {})
    }))
  } else {
    out.note(`flwd: ${problem.code}: ${problem.detail}`)
    for (const e of problem.errors ?? []) out.note(`  ${e.path}: ${e.message}`)
    if (fix !== undefined) out.note(`  fix: ${fix}`)
  }
  return exitCodeFor(problem)
}
