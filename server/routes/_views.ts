/**
 * @module
 * How jobs are shown over HTTP. Fields that only make sense on the server's
 * disk (the job directory, its environment) are left out. Jobs reach these
 * views already public: a secret's default is `***` in `argspec` and absent
 * from `args_schema` (core/engine/public-view.ts).
 */
import { compileArgSpec, DEFAULT_SOURCE, type Job, type SourceRecord } from "../../core/mod.ts"
import type { JobSummary } from "../schemas.ts"

// The catalogue keeps job values until a source changes, so compiling each
// argspec once per catalogue version is enough.
const schemas = new WeakMap<object, Readonly<Record<string, unknown>>>()

function argsSchema(job: Job): Readonly<Record<string, unknown>> {
  let schema = schemas.get(job.argspec)
  if (schema === undefined) {
    schema = compileArgSpec(job.argspec).jsonSchema
    schemas.set(job.argspec, schema)
  }
  return schema
}

/** The `source` block: just the name for the root tree, the details otherwise. */
export function sourceBlock(name: string, record: SourceRecord | undefined): JobSummary["source"] {
  if (name === DEFAULT_SOURCE || record === undefined) return { name }
  return { name, type: record.type, status: record.status, provenance: record.provenance }
}

/** A job as `GET /jobs` lists it. */
export function jobSummary(job: Job, record: SourceRecord | undefined, schema = argsSchema(job)): JobSummary {
  return {
    id: job.id,
    name: job.name,
    ...(job.summary !== undefined ? { summary: job.summary } : {}),
    ...(job.description !== undefined ? { description: job.description } : {}),
    local_id: job.local_id,
    source: sourceBlock(job.source, record),
    args_schema: schema
  }
}

/** A job as `GET /jobs/{id}` shows it. */
export function jobDetail(job: Job, record: SourceRecord | undefined, schema: Readonly<Record<string, unknown>>) {
  return {
    ...jobSummary(job, record, schema),
    argspec: job.argspec,
    steps: job.steps,
    ...(job.timeout_ms !== undefined ? { timeout_ms: job.timeout_ms } : {}),
    ...(job.security_profile !== undefined ? { security_profile: job.security_profile } : {}),
    ...(job.executor !== undefined ? { executor: job.executor } : {}),
    warnings: job.warnings
  }
}

/**
 * True for a path parameter that cannot name a job: empty, `.`/`..`
 * segments, backslashes or control characters. Such ids are answered with
 * 404 before the engine sees them.
 */
export function isSuspiciousId(id: string): boolean {
  // deno-lint-ignore no-control-regex
  return id === "" || /[\\\u0000-\u001f\u007f]/.test(id) || id.split("/").some((s) => s === "" || s === "." || s === "..")
}
