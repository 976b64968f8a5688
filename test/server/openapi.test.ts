import { Validator } from "@seriousme/openapi-schema-validator"
import t from "tap"
import { appFor } from "./_helpers.ts"

t.test("GET /openapi.json is a valid OpenAPI 3.1 document covering every route", async (t) => {
  const { app } = await appFor(t)
  const res = await app.request("/openapi.json")
  t.equal(res.status, 200)
  t.match(res.headers.get("content-type"), /^application\/json/)
  const doc = await res.json() as {
    openapi: string
    paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> }
  }
  const validator = new Validator()
  const result = await validator.validate(doc)
  t.same(result.errors ?? [], [], "no validation errors")
  t.equal(result.valid, true)
  t.equal(validator.version, "3.1")

  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
  t.same(routes.sort(), [
    "DELETE /sources/{name}",
    "GET /events",
    "GET /healthz",
    "GET /jobs",
    "GET /jobs/{id}",
    "GET /metrics",
    "GET /openapi.json",
    "GET /runs",
    "GET /runs/{id}",
    "GET /runs/{id}/events",
    "GET /sources",
    "GET /sources/{name}",
    "POST /plans",
    "POST /runs",
    "POST /runs/{id}/cancel",
    "POST /runs/{id}:cancel",
    "POST /sources",
    "POST /sources/{name}:refresh"
  ])
  t.match(doc.components.securitySchemes.bearer, { type: "http", scheme: "bearer" })
  for (const name of ["Problem", "PlanBody", "Plan", "Run", "RunPage", "RunEvent", "Source", "SourceSpec", "JobSummary", "JobDetail"]) {
    t.ok(doc.components.schemas[name], `schema ${name}`)
  }
  t.match(doc.components.schemas.Problem, { type: "object", required: ["type", "title", "status", "detail", "code", "instance"] })
  t.same(doc.paths["/healthz"].get.security, [], "healthz needs no token")
  for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) t.ok(op.responses.default, "every operation documents its problems")
})

t.test("the request body schema rejects unknown fields, as the server does", async (t) => {
  const { app } = await appFor(t)
  const doc = await (await app.request("/openapi.json")).json() as {
    components: { schemas: Record<string, { additionalProperties?: unknown; properties?: Record<string, unknown> }> }
  }
  const body = doc.components.schemas.PlanBody
  t.equal(body.additionalProperties, false)
  t.same(Object.keys(body.properties ?? {}).sort(), ["args", "job", "job_id", "profile", "source"])
})
