/**
 * @module
 * "Run again": a link to the job's page with its form prefilled from a
 * run's arguments, `/ui/jobs/<job>?arg.<name>=<value>`. The job page reads
 * exactly this shape: an array repeats `arg.<name>` once per item, an
 * object travels as JSON, other values as text. Secrets never go into a URL
 * (it lands in history and logs): arguments the argspec marks `secret`, and
 * any value recorded as `***`, are left out for the user to type again.
 */
import type { Run } from "../../../core/mod.ts"
import { jobPath } from "../pages/job.ts"

const SECRET_MARK = "***"

const asText = (v: unknown): string => (typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v))

/**
 * The job page's URL with the run's non-secret arguments.
 *
 * @since 0.1.0
 * @category components
 */
export function runAgainUrl(run: Pick<Run, "job_id" | "args" | "plan">): string {
  const secrets = new Set(run.plan.argspec.args.filter((a) => a.format === "secret").map((a) => a.name))
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(run.args)) {
    if (secrets.has(name) || value === SECRET_MARK || value === undefined || value === null) continue
    if (Array.isArray(value)) {
      for (const item of value) query.append(`arg.${name}`, asText(item))
    } else query.append(`arg.${name}`, asText(value))
  }
  const q = query.toString()
  return `${jobPath(run.job_id)}${q === "" ? "" : `?${q}`}`
}
