/**
 * Failures and decisions visible to an operator (issue 12, item 9), through
 * the real server on a loopback socket with its log captured: a denied add
 * is a `policy.decision` and a `source.failed` event on `GET /events`, one
 * line each on the server's log, and counted in `GET /metrics`; what a
 * local `flwd :sources add` journals in the data directory shows in a later
 * `GET /events`; the CLI prints warn decisions on stderr.
 */
import t from "tap"
import type { Policy } from "../../mod.ts"
import { startRegistry } from "../helpers/registry.ts"
import { pushAddon, testPolicy } from "../plugins/sources/oci/_addon.ts"
import { cliBox } from "../plugins/sources/oci/_cli.ts"
import { auth, jsonHeaders, readSse, serverFor } from "./_helpers.ts"

interface Event {
  readonly id: number
  readonly type: string
  readonly data: Record<string, any>
}

/** Events of `GET /events` as SSE from `Last-Event-ID`, until `enough` holds (a generous minute at most). */
async function eventsUntil(url: string, lastEventId: number, enough: (events: ReadonlyArray<Event>) => boolean): Promise<Array<Event>> {
  const response = await fetch(`${url}/events`, {
    headers: { ...auth(), accept: "text/event-stream", "last-event-id": String(lastEventId) },
    signal: AbortSignal.timeout(60_000)
  })
  const events: Array<Event> = []
  await readSse(response, (f) => {
    if (f.data === undefined || f.event === undefined) return false
    events.push(JSON.parse(f.data))
    return enough(events)
  })
  return events
}

/** The same events as NDJSON (`?after=`, `?format=ndjson`), until `enough` holds. */
async function ndjsonUntil(url: string, after: number, enough: (events: ReadonlyArray<Event>) => boolean): Promise<Array<Event>> {
  const response = await fetch(`${url}/events?after=${after}&format=ndjson`, { headers: auth(), signal: AbortSignal.timeout(60_000) })
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: Array<Event> = []
  let buffer = ""
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return events
    buffer += value
    let cut: number
    while ((cut = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, cut).trim()
      buffer = buffer.slice(cut + 1)
      if (line === "") continue
      events.push(JSON.parse(line))
      if (enough(events)) {
        await reader.cancel()
        return events
      }
    }
  }
}

async function until<A>(what: string, get: () => Promise<A> | A, ok: (a: A) => boolean, ms = 30_000): Promise<A> {
  const end = Date.now() + ms
  for (;;) {
    const value = await get()
    if (ok(value)) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const has = (type: string, match: (d: Record<string, any>) => boolean) => (events: ReadonlyArray<Event>) => events.some((e) => e.type === type && match(e.data))

async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: auth() })
  return res.text()
}

t.test("a denied add: events over SSE and NDJSON, one log line each, counted in /metrics", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const log: Array<string> = []
  const { url } = await serverFor(t, { log: (m) => log.push(m) }, { policy: testPolicy(registry.host) })
  const ref = `${registry.host}/example/addon:1.0.0`

  const res = await fetch(`${url}/sources`, {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ type: "oci", name: "addon", ref, trusted: false })
  })
  t.match(await res.json(), { code: "source.trust.required" })

  const denied = has("policy.decision", (d) => d.decision === "deny" && d.code === "source.trust.required")
  const failed = has("source.failed", (d) => d.code === "source.trust.required")
  const sse = await eventsUntil(url, 0, (e) => denied(e) && failed(e))
  t.match(sse.find((e) => e.type === "policy.decision")!.data, {
    decision: "deny",
    subject: ref,
    code: "source.trust.required",
    profile: "secure",
    source: "addon"
  })
  t.match(sse.find((e) => e.type === "source.failed")!.data, { name: "addon", type: "oci", operation: "add", code: "source.trust.required" })
  const ndjson = await ndjsonUntil(url, 0, (e) => denied(e) && failed(e))
  t.ok(denied(ndjson) && failed(ndjson), "the NDJSON format carries the same events")

  await until("the log lines", () => log, (l) => l.some((x) => x.includes("source.failed")) && l.some((x) => x.includes("policy.decision")))
  const logged = log.filter((l) => l.includes("source.trust.required"))
  t.equal(logged.length, 2, "one line for the deny, one for the failure")
  t.match(logged.find((l) => l.includes("policy.decision")), /deny.*addon/)
  t.match(logged.find((l) => l.includes("source.failed")), /addon.*add/)

  const metrics = await until("the counters", () => metricsText(url), (m) => m.includes("flwd_source_failures_total{"))
  t.match(metrics, /^flwd_policy_denials_total\{reason="source\.trust\.required"\} 1$/m)
  t.match(metrics, /^flwd_source_failures_total\{code="source\.trust\.required",operation="add"\} 1$/m)

  // An allowed add: its decisions show too, and an allow is not a log line.
  const lines = log.length
  const added = await fetch(`${url}/sources`, {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ type: "oci", name: "addon", ref, trusted: true })
  })
  t.equal(added.status, 201)
  await added.arrayBuffer()
  const allowed = await eventsUntil(url, 0, has("source.added", (d) => d.name === "addon"))
  t.match(allowed.filter((e) => e.type === "policy.decision" && e.data.decision === "allow").map((e) => e.data.code), [
    "image.registry.allowed",
    "image.signature.skipped"
  ])
  t.equal(log.length, lines, "allow decisions are not logged")
})

t.test("a local `flwd :sources add` that fails is journaled in the data dir and shows in a later GET /events; warnings go to stderr", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const policy: Policy = { ...testPolicy(registry.host), verify_signatures: "permissive" }
  const box = cliBox(t, policy)
  const ref = `${registry.host}/example/addon:1.0.0`

  const refused = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref])
  t.not(refused.code, 0)
  t.match(refused.stderr, /source\.trust\.required/)

  const warned = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref, "--trusted"])
  t.equal(warned.code, 0, warned.stderr)
  t.match(warned.stderr, /warn.*image\.signature\.unverified/, "the warn decision is on stderr")
  t.notMatch(warned.stdout, /image\.signature\.unverified/, "and not on stdout")

  const log: Array<string> = []
  const { url } = await serverFor(t, { log: (m) => log.push(m) }, { dataDir: box.dataDir, policy })
  const events = await eventsUntil(url, 0, (e) => has("source.added", () => true)(e))
  t.match(events.filter((e) => e.type === "policy.decision").map((e) => [e.data.decision, e.data.code]), [
    ["deny", "source.trust.required"],
    ["allow", "image.registry.allowed"],
    ["warn", "image.signature.unverified"]
  ])
  t.match(events.filter((e) => e.type === "source.failed").map((e) => e.data), [{
    name: "addon",
    type: "oci",
    operation: "add",
    code: "source.trust.required"
  }])
})
