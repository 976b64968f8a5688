/**
 * What every answer of the real server carries, whichever way its response
 * was made (a JSON body, a problem, a `Response` a route built itself, a
 * redirect): `x-content-type-options: nosniff` and an `x-request-id`, with
 * a body whose length is declared. And `GET /jobs`, rendered once per
 * catalogue change, follows sources as they come and go.
 */
import t from "tap"
import { auth, fixtures, jsonHeaders, serverFor } from "./_helpers.ts"

t.test("every answer carries nosniff and a request id", async (t) => {
  const { url } = await serverFor(t)
  const requests: ReadonlyArray<[string, RequestInit]> = [
    ["/jobs", { headers: auth() }],
    ["/plans", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo", args: { message: "hi" } }) }],
    ["/plans", { method: "POST", headers: jsonHeaders(), body: "{" }],
    ["/jobs", {}],
    ["/nowhere", { headers: auth() }],
    ["/metrics", {}],
    ["/openapi.json", {}],
    ["/", { redirect: "manual" }]
  ]
  for (const [path, init] of requests) {
    const res = await fetch(`${url}${path}`, { ...init, headers: { ...init.headers as Record<string, string>, "x-request-id": `req-${path.length}` } })
    const body = await res.arrayBuffer()
    const what = `${init.method ?? "GET"} ${path} (${res.status})`
    t.equal(res.headers.get("x-content-type-options"), "nosniff", what)
    t.equal(res.headers.get("x-request-id"), `req-${path.length}`, what)
    if (res.status !== 302) t.equal(Number(res.headers.get("content-length")), body.byteLength, `${what}: declared length`)
  }
})

t.test("GET /jobs follows sources added and removed", async (t) => {
  const { url } = await serverFor(t)
  const ids = async () => ((await (await fetch(`${url}/jobs`, { headers: auth() })).json()) as { items: Array<{ id: string }> }).items.map((j) => j.id)
  const before = await ids()
  t.notOk(before.includes("extra/ping"))
  t.same(await ids(), before, "the same listing while nothing changes")
  const spec = { type: "local", name: "extra", path: `${fixtures}extra-jobs` }
  t.equal((await fetch(`${url}/sources`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify(spec) })).status, 201)
  t.same(await ids(), [...before, "extra/ping"].sort((a, b) => a.localeCompare(b)))
  t.equal((await fetch(`${url}/sources/extra`, { method: "DELETE", headers: auth() })).status, 204)
  t.same(await ids(), before)
})
