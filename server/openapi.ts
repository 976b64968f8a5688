/**
 * @module
 * `GET /openapi.json`: an OpenAPI 3.1 document whose schemas are generated
 * from the Effect Schemas the server decodes and the engine returns
 * (`JSONSchema`), so the description cannot drift from the code.
 */
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import { Plan, Run, RunEvent, SourceRecord } from "../core/mod.ts"
import { scopes } from "./auth/tokens.ts"
import { Health, JobDetail, JobSummary, PlanBody, ProblemSchema, SourceBody } from "./schemas.ts"

type Json = Record<string, unknown>

const RunPage = Schema.Struct({ items: Schema.Array(Run), next_cursor: Schema.NullOr(Schema.String) })

const named: ReadonlyArray<readonly [string, Schema.Schema.Any]> = [
  ["Problem", ProblemSchema],
  ["Health", Health],
  ["PlanBody", PlanBody],
  ["SourceSpec", SourceBody],
  ["JobSummary", JobSummary],
  ["JobDetail", JobDetail],
  ["JobList", Schema.Struct({ items: Schema.Array(JobSummary) })],
  ["Plan", Plan],
  ["Run", Run],
  ["RunPage", RunPage],
  ["RunEvent", RunEvent],
  ["Source", SourceRecord],
  ["SourceList", Schema.Struct({ items: Schema.Array(SourceRecord) })]
]

function components(): Json {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  for (const [name, schema] of named) {
    // Each named schema is its own component; identifiers inside them become components too.
    definitions[name] = JSONSchema.fromAST(schema.ast, {
      definitions,
      definitionPath: "#/components/schemas/",
      target: "openApi3.1",
      topLevelReferenceStrategy: "skip"
    })
  }
  return stripIds(definitions) as Json
}

// `Schema.Unknown` and friends come out as `{ "$id": "/schemas/unknown" }`;
// one `$id` used in many places is invalid in one document, and the schema
// means "anything" without it.
function stripIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripIds)
  if (typeof value !== "object" || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === "$id" && typeof v === "string" && v.startsWith("/schemas/")))
      .map(([k, v]) => [k, stripIds(v)])
  )
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (name: string, description: string) => ({ description, content: { "application/json": { schema: ref(name) } } })
const problem = { description: "A problem (RFC 9457)", content: { "application/problem+json": { schema: ref("Problem") } } }
// The console's session cookie is accepted wherever a bearer token is, with the same scopes.
const bearer = (scope: string) => ({ security: [{ bearer: [scope] }, { session: [scope] }], "x-required-scope": scope })
const pathParam = (name: string, description: string) => ({ name, in: "path", required: true, description, schema: { type: "string" } })
const streamed = {
  description: "Events: SSE frames (`id:` event id, `event:` type, `data:` the event as JSON), or NDJSON with `?format=ndjson`",
  content: {
    "text/event-stream": { schema: { type: "string" } },
    "application/x-ndjson": { schema: ref("RunEvent") }
  }
}
const resume = [
  { name: "Last-Event-ID", in: "header", required: false, description: "Resume after this event id", schema: { type: "string" } },
  { name: "after", in: "query", required: false, description: "Resume after this event id", schema: { type: "integer", minimum: 0 } },
  { name: "format", in: "query", required: false, schema: { type: "string", enum: ["sse", "ndjson"] } }
]
const body = (name: string) => ({ required: true, content: { "application/json": { schema: ref(name) } } })

function op(summary: string, operationId: string, responses: Json, extra: Json = {}): Json {
  return { summary, operationId, ...extra, responses: { ...responses, default: problem } }
}

function paths(): Json {
  const runId = pathParam("id", "Run id")
  const sourceName = pathParam("name", "Source name")
  return {
    "/healthz": { get: op("Liveness", "health", { "200": json("Health", "Alive") }, { security: [] }) },
    "/jobs": { get: op("List jobs", "listJobs", { "200": json("JobList", "The catalogue") }, bearer("jobs:read")) },
    "/jobs/{id}": {
      get: op("Show a job", "getJob", { "200": json("JobDetail", "The job") }, {
        ...bearer("jobs:read"),
        parameters: [
          pathParam("id", "Job id; it may contain `/` (`backup/daily`), sent as is or percent-encoded"),
          { name: "source", in: "query", required: false, description: "Look the id up within one source", schema: { type: "string" } }
        ]
      })
    },
    "/plans": {
      post: op("Plan a run without running it", "plan", { "200": json("Plan", "The plan") }, { ...bearer("jobs:read"), requestBody: body("PlanBody") })
    },
    "/runs": {
      post: op("Start a run", "startRun", {
        "202": {
          ...json("Run", "Queued; `Location` names the run; `Idempotent-Replay: true` when an Idempotency-Key replayed"),
          headers: { Location: { schema: { type: "string" } }, "Idempotent-Replay": { schema: { type: "string" } } }
        }
      }, {
        ...bearer("runs:write"),
        requestBody: body("PlanBody"),
        parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", maxLength: 255 } }]
      }),
      get: op("List runs, newest first", "listRuns", { "200": json("RunPage", "One page; pass next_cursor as cursor for the next") }, {
        ...bearer("runs:read"),
        parameters: [
          { name: "job_id", in: "query", required: false, schema: { type: "string" } },
          { name: "status", in: "query", required: false, schema: { type: "string", enum: ["queued", "running", "succeeded", "failed", "canceled"] } },
          { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
          { name: "cursor", in: "query", required: false, schema: { type: "string" } }
        ]
      })
    },
    "/runs/{id}": { get: op("Show a run", "getRun", { "200": json("Run", "The run") }, { ...bearer("runs:read"), parameters: [runId] }) },
    "/runs/{id}:cancel": {
      post: op("Cancel a run", "cancelRun", { "200": json("Run", "The run, canceling") }, { ...bearer("runs:write"), parameters: [runId] })
    },
    "/runs/{id}/cancel": {
      post: op("Cancel a run (alias)", "cancelRunAlias", { "200": json("Run", "The run, canceling") }, { ...bearer("runs:write"), parameters: [runId] })
    },
    "/runs/{id}/events": {
      get: op("Follow a run: its journal, then live events, ending after the terminal event", "runEvents", { "200": streamed }, {
        ...bearer("runs:read"),
        parameters: [runId, ...resume]
      })
    },
    "/events": {
      get: op("Follow every engine event (sources, policy decisions, runs)", "events", { "200": streamed }, {
        ...bearer("events:read"),
        parameters: resume
      })
    },
    "/sources": {
      get: op("List sources", "listSources", { "200": json("SourceList", "Every source") }, bearer("sources:read")),
      post: op("Add or replace a source", "addSource", {
        "201": json("Source", "Added"),
        "200": json("Source", "Replaced an existing source of that name")
      }, { ...bearer("sources:write"), requestBody: body("SourceSpec") })
    },
    "/sources/{name}": {
      get: op("Show a source", "getSource", { "200": json("Source", "The source") }, { ...bearer("sources:read"), parameters: [sourceName] }),
      delete: op("Remove a source", "removeSource", { "204": { description: "Removed" } }, { ...bearer("sources:write"), parameters: [sourceName] })
    },
    "/sources/{name}:refresh": {
      post: op("Reload a source", "refreshSource", { "200": json("Source", "Reloaded") }, { ...bearer("sources:write"), parameters: [sourceName] })
    },
    "/metrics": {
      get: op("Prometheus metrics (open on a loopback bind, else metrics:read)", "metrics", {
        "200": { description: "Prometheus text exposition", content: { "text/plain": { schema: { type: "string" } } } }
      }, { security: [{}, { bearer: ["metrics:read"] }] })
    },
    "/openapi.json": {
      get: op("This document", "openapi", { "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } } }, {
        security: []
      })
    }
  }
}

/**
 * Builds the document.
 *
 * @since 0.1.0
 * @category constructors
 */
export function openApiDocument(version: string): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "flwd",
      version,
      description: "Jobs, plans, runs with streamed events, and sources. Errors are RFC 9457 problem details."
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    security: [{ bearer: [] }],
    paths: paths(),
    components: {
      schemas: components(),
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: `Bearer tokens with scopes: ${scopes.join(", ")}`
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "flwd_session",
          description: "The console's session (POST /ui/login), holding its token's scopes; unsafe methods also need the x-csrf-token header"
        }
      }
    }
  }
}
