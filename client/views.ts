/**
 * @module
 * The API's JSON shapes, mapped back to core's types. Runs, plans, events
 * and sources travel as the engine made them, so they are only checked and
 * passed on unchanged (key order included, so `--json` output is the same
 * bytes). Jobs differ: the API leaves out what only makes sense on the
 * server's disk (`dir`, `env`, a sandbox's `rootfs`), `GET /jobs` lists
 * summaries only, and the source is a `{ "name", … }` block.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ArgSpec, DEFAULT_SOURCE, type Job, type JobView, Plan, publicArgSpec, Run, RunEvent, SourceRecord, Step } from "../core/mod.ts"
import { RemoteError } from "./remote-error.ts"

const ApiJobSource = Schema.Struct({ name: Schema.String })

/** An item of `GET /jobs`. */
const ApiJobSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  summary: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  source: ApiJobSource,
  args_schema: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})
type ApiJobSummary = typeof ApiJobSummary.Type

/** `GET /jobs/{id}`. */
const ApiJobDetail = Schema.Struct({
  ...ApiJobSummary.fields,
  local_id: Schema.String,
  argspec: ArgSpec,
  steps: Schema.Array(Step),
  timeout_ms: Schema.optional(Schema.Number),
  security_profile: Schema.optional(Schema.String),
  executor: Schema.optional(Schema.String),
  warnings: Schema.Array(Schema.String)
})

const Items = <A, I>(item: Schema.Schema<A, I>) => Schema.Struct({ items: Schema.Array(item) })
const RunPage = Schema.Struct({ items: Schema.Array(Run), next_cursor: Schema.NullOr(Schema.String) })

/** Decodes `value`; a mismatch means the server is not (this version of) the flwd API. */
function decode<A, I>(schema: Schema.Schema<A, I>, value: unknown, where: string): Effect.Effect<A, RemoteError> {
  const result = Schema.decodeUnknownEither(schema)(value)
  if (Either.isRight(result)) return Effect.succeed(result.right)
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  const path = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.join(".")}: `
  return Effect.fail(new RemoteError({ reason: "protocol", detail: `${where} answered an unexpected body (${path}${issue?.message ?? "invalid"})` }))
}

/** Checks `value` and passes it on as it came (no defaults added, keys in the server's order). */
function checked<A, I>(schema: Schema.Schema<A, I>, value: unknown, where: string): Effect.Effect<A, RemoteError> {
  return Effect.as(decode(schema, value, where), value as A)
}

function localId(id: string, source: string): string {
  return source !== DEFAULT_SOURCE && id.startsWith(`${source}/`) ? id.slice(source.length + 1) : id
}

/**
 * A job of `GET /jobs`. The listing carries no steps, argspec or warnings;
 * they stay empty here (`job()` has them). `dir` and `env` are never sent.
 */
function summaryJob(s: ApiJobSummary): Job {
  return {
    id: s.id,
    name: s.name,
    ...(s.summary !== undefined ? { summary: s.summary } : {}),
    ...(s.description !== undefined ? { description: s.description } : {}),
    dir: "",
    steps: [],
    argspec: { args: [] },
    env: {},
    warnings: [],
    local_id: localId(s.id, s.source.name),
    source: s.source.name
  }
}

/** @since 0.1.0 @category constructors */
export const toJobs = (body: unknown, where: string): Effect.Effect<ReadonlyArray<Job>, RemoteError> =>
  Effect.map(decode(Items(ApiJobSummary), body, where), (b) => b.items.map(summaryJob))

/** @since 0.1.0 @category constructors */
export const toJobView = (body: unknown, where: string): Effect.Effect<JobView, RemoteError> =>
  Effect.map(decode(ApiJobDetail, body, where), (d) => ({
    job: {
      id: d.id,
      name: d.name,
      ...(d.summary !== undefined ? { summary: d.summary } : {}),
      ...(d.description !== undefined ? { description: d.description } : {}),
      dir: "",
      steps: d.steps,
      // The server sends the public argspec; masking again keeps a secret
      // default out of help and `--json` even from a server that did not.
      argspec: publicArgSpec(d.argspec),
      env: {},
      ...(d.timeout_ms !== undefined ? { timeout_ms: d.timeout_ms } : {}),
      ...(d.security_profile !== undefined ? { security_profile: d.security_profile } : {}),
      ...(d.executor !== undefined ? { executor: d.executor } : {}),
      warnings: d.warnings,
      local_id: d.local_id,
      source: d.source.name
    },
    argsSchema: d.args_schema
  }))

/** @since 0.1.0 @category constructors */
export const toPlan = (body: unknown, where: string) => checked(Plan, body, where)
/** @since 0.1.0 @category constructors */
export const toRun = (body: unknown, where: string) => checked(Run, body, where)
/** @since 0.1.0 @category constructors */
export const toRunPage = (body: unknown, where: string) => checked(RunPage, body, where)
/** @since 0.1.0 @category constructors */
export const toSource = (body: unknown, where: string) => checked(SourceRecord, body, where)
/** @since 0.1.0 @category constructors */
export const toSources = (body: unknown, where: string) => Effect.map(checked(Items(SourceRecord), body, where), (b) => b.items)
/** @since 0.1.0 @category constructors */
export const toEvent = (body: unknown, where: string) => checked(RunEvent, body, where)
