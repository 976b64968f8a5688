import t from "tap"
import { appFor, auth, jsonHeaders } from "./_helpers.ts"

t.test("GET /metrics exposes HTTP, run, policy, build and profile series", async (t) => {
  const { app } = await appFor(t)
  const scrape = async () => {
    const res = await app.request("/metrics")
    t.equal(res.status, 200)
    t.match(res.headers.get("content-type"), /^text\/plain/)
    return await res.text()
  }
  await app.request("/jobs", { headers: auth() })
  await app.request("/jobs/echo", { headers: auth() })
  await app.request("/nowhere", { headers: auth() })
  await app.request("/jobs", { headers: auth("wrong") })
  const run = await (await app.request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo" }) })).json() as { id: string }
  await (await app.request(`/runs/${run.id}/events`, { headers: auth() })).text()
  await app.request("/plans", { method: "POST", headers: jsonHeaders("no-policy-override"), body: JSON.stringify({ job: "echo", profile: "permissive" }) })

  // Events reach the metrics asynchronously; poll a bounded number of times.
  let text = await scrape()
  for (let i = 0; i < 200 && !/flwd_runs_total\{status="succeeded"\} 1/.test(text); i++) {
    await new Promise((r) => setTimeout(r, 25))
    text = await scrape()
  }
  t.match(text, /flwd_http_requests_total\{method="GET",route="\/jobs",status="200"\} 1/)
  t.match(text, /flwd_http_requests_total\{method="GET",route="\/jobs\/:id\{\.\+\}",status="200"\} 1/, "routes are labelled by pattern")
  t.match(text, /flwd_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/)
  t.match(text, /flwd_http_requests_total\{method="GET",route="\/jobs",status="401"\} 1/)
  t.match(text, /flwd_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/jobs"\}/)
  t.match(text, /flwd_http_request_duration_seconds_count\{method="GET",route="\/jobs"\} 2/)
  t.match(text, /flwd_runs_total\{status="succeeded"\} 1/)
  t.match(text, /flwd_runs_total\{status="failed"\} 0/)
  t.match(text, /# TYPE flwd_policy_denials_total counter/)
  t.match(text, /flwd_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1/)
  t.match(text, /flwd_security_profile\{profile="secure"\} 1/)
})

t.test("policy denials are counted by code", async (t) => {
  const { app } = await appFor(t)
  const denied = await app.request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ type: "local", name: "etc", path: "/etc" }) })
  t.equal(denied.status, 403)
  await app.request("/plans", { method: "POST", headers: jsonHeaders("no-policy-override"), body: JSON.stringify({ job: "echo", profile: "disabled" }) })
  let text = ""
  for (let i = 0; i < 40; i++) {
    text = await (await app.request("/metrics")).text()
    if (/flwd_policy_denials_total\{reason="[^"]+"\} [1-9]/.test(text)) break
    await new Promise((r) => setTimeout(r, 25))
  }
  t.match(text, /flwd_policy_denials_total\{reason="[^"]+"\} [1-9]/)
})
