import t from "tap"
import { appFor, auth, fixtures, jsonHeaders } from "./_helpers.ts"

type Source = { name: string; type: string; status: string; job_count: number }

t.test("sources: add (201), update (200), list, show, refresh, delete (204)", async (t) => {
  const { app } = await appFor(t)
  const spec = { type: "local", name: "extra", path: `${fixtures}extra-jobs` }
  const added = await app.request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify(spec) })
  t.equal(added.status, 201)
  t.equal(added.headers.get("location"), "/sources/extra")
  t.match(await added.json(), { name: "extra", type: "local", status: "ready", job_count: 1 })
  const updated = await app.request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify(spec) })
  t.equal(updated.status, 200)

  const jobs = await (await app.request("/jobs", { headers: auth() })).json() as { items: Array<{ id: string; source: Record<string, unknown> }> }
  const ping = jobs.items.find((j) => j.id === "extra/ping")
  t.match(ping?.source, { name: "extra", type: "local", status: "ready" }, "non-default jobs carry a source block")
  t.same(jobs.items.find((j) => j.id === "echo")?.source, { name: "default" })
  const detail = await app.request("/jobs/extra/ping", { headers: auth() })
  t.equal(detail.status, 200)
  t.match(await detail.json(), { id: "extra/ping", local_id: "ping", source: { name: "extra" } })
  t.equal((await app.request("/jobs/extra%2Fping", { headers: auth() })).status, 200, "a percent-encoded slash works too")
  t.equal((await app.request("/jobs/ping?source=extra", { headers: auth() })).status, 200)
  const plan = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "ping", source: { name: "extra" } }) })
  t.equal(plan.status, 200)
  t.equal((await plan.json() as { job_id: string }).job_id, "extra/ping")

  const list = await (await app.request("/sources", { headers: auth() })).json() as { items: Array<Source> }
  t.ok(list.items.some((s) => s.name === "extra"))
  t.equal((await app.request("/sources/extra", { headers: auth() })).status, 200)
  const refreshed = await app.request("/sources/extra:refresh", { method: "POST", headers: auth() })
  t.equal(refreshed.status, 200)
  t.equal((await refreshed.json() as Source).name, "extra")

  const removed = await app.request("/sources/extra", { method: "DELETE", headers: auth() })
  t.equal(removed.status, 204)
  t.equal(await removed.text(), "")
  t.equal((await app.request("/sources/extra", { headers: auth() })).status, 404)
  t.equal((await app.request("/jobs/extra/ping", { headers: auth() })).status, 404)
  t.equal((await app.request("/sources/extra", { method: "DELETE", headers: auth() })).status, 404)
  t.equal((await app.request("/sources/extra:refresh", { method: "POST", headers: auth() })).status, 404)
})

t.test("a local source outside the allowed roots is 403 source.not.allowed", async (t) => {
  const { app } = await appFor(t)
  const res = await app.request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ type: "local", name: "etc", path: "/etc" }) })
  t.equal(res.status, 403)
  t.equal((await res.json() as { code: string }).code, "source.not.allowed")
  t.equal((await app.request("/sources/etc", { headers: auth() })).status, 404)
})

t.test("bad source specs are field-level problems", async (t) => {
  const { app } = await appFor(t)
  const post = (body: unknown) => app.request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify(body) })
  const unknownField = await post({ type: "local", name: "x", path: `${fixtures}extra-jobs`, color: "red" })
  t.equal(unknownField.status, 422)
  t.match(await unknownField.json(), { code: "source.invalid", errors: [{ path: "color" }] })
  const badType = await post({ type: "ftp", name: "x" })
  t.equal(badType.status, 422)
  t.equal((await badType.json() as { code: string }).code, "source.type.unknown")
  const reserved = await post({ type: "local", name: "default", path: `${fixtures}extra-jobs` })
  t.equal((await reserved.json() as { code: string }).code, "source.name.reserved")
  t.equal((await post(["not", "an", "object"])).status, 400)
  t.equal((await app.request("/sources/default", { method: "DELETE", headers: auth() })).status, 422)
})
