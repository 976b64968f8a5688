/**
 * Traces for operators (issue 15, item 7): `flwd :serve` with
 * `OTEL_EXPORTER_OTLP_ENDPOINT` exports its spans over OTLP/HTTP to a
 * loopback receiver (a plain node:http server taking `POST /v1/traces`):
 * a span per request; an add-on added from a real registry is `source.add`
 * with `source.verify`, `source.resolve`, `source.pull` (and a
 * `source.pull.layer` per layer fetched ahead) and `source.unpack` beneath
 * it, all under the request's span; a plan is `plan`, a run's step
 * `run.step`. Without the variables nothing is sent.
 */
import { spawn } from "node:child_process"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import t, { type Test } from "tap"
import { startRegistry } from "../helpers/registry.ts"
import { pushAddon, testPolicy, writePolicyFile } from "../plugins/sources/oci/_addon.ts"
import { jobsRoot, repoRoot, type SpawnedServer, spawnListening } from "./_helpers.ts"
import { untracked } from "../helpers/untracked.ts"

interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
}

/** A loopback OTLP/HTTP receiver of JSON trace exports. */
async function receiver(t: Test): Promise<{ url: string; spans: () => Array<Span>; posts: () => number }> {
  const spans: Array<Span> = []
  let posts = 0
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = ""
      req.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => resolve(body))
    })
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        posts++
        const doc = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Span> }> }> }
        for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans)
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans: () => spans, posts: () => posts }
}

/** `flwd :serve` from the CLI, once it prints its URL. */
function serve(args: ReadonlyArray<string>, env: Record<string, string>): Promise<SpawnedServer> {
  return spawnListening(["cli/main.ts", ...args, ":serve", "--bind", "127.0.0.1:0"], { FLWD_TOKENS: "all:*", ...env })
}

const headers = { authorization: "Bearer all", "content-type": "application/json" }

t.test("spans of a request, a source add with its steps, a plan and a run step reach an OTLP receiver", async (t) => {
  const otlp = await receiver(t)
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const dir = t.testdir()
  const policy = writePolicyFile(dir, testPolicy(registry.host))
  const server = await serve(["--root", jobsRoot, "--data-dir", `${dir}/data`, "--policy", policy], {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_SERVICE_NAME: "flwd-test"
  })
  t.teardown(() => void server.child.kill("SIGKILL"))

  const added = await fetch(`${server.url}/sources`, {
    method: "POST",
    headers,
    body: JSON.stringify({ type: "oci", name: "addon", ref: `${registry.host}/example/addon:1.0.0`, trusted: true })
  })
  t.equal(added.status, 201, await added.text())
  const planned = await fetch(`${server.url}/plans`, { method: "POST", headers, body: JSON.stringify({ job: "echo", args: { lines: 1 } }) })
  t.equal(planned.status, 200, await planned.text())
  const started = await fetch(`${server.url}/runs`, { method: "POST", headers, body: JSON.stringify({ job: "echo", args: { lines: 1 } }) })
  const { id } = await started.json() as { id: string }
  const done = await fetch(`${server.url}/runs/${id}/events?format=ndjson`, { headers })
  await done.text()

  // Shutting down flushes what the batch processor still holds.
  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0, server.stderr())
  const spans = otlp.spans()
  const named = (name: string) => spans.filter((s) => s.name === name)
  const one = (name: string): Span => {
    const found = named(name)
    t.ok(found.length >= 1, `a ${name} span`)
    return found[0] ?? { traceId: "", spanId: "", name }
  }
  const childOf = (child: Span, parent: Span, what: string) => t.equal(child.parentSpanId, parent.spanId, what)

  const request = one("POST /sources")
  const add = one("source.add")
  childOf(add, request, "source.add is a child of the request span")
  t.equal(add.traceId, request.traceId)
  for (const step of ["source.verify", "source.resolve", "source.pull"]) {
    t.ok(named(step).some((s) => s.parentSpanId === add.spanId), `${step} is a child of source.add`)
  }
  const pull = named("source.pull").find((s) => s.parentSpanId === add.spanId)!
  t.ok(named("source.unpack").some((s) => s.parentSpanId === pull.spanId), "source.unpack is a child of source.pull")
  t.ok(named("source.pull.layer").some((s) => s.parentSpanId === pull.spanId), "a layer fetched ahead is a child of source.pull")

  const plan = named("plan").find((s) => s.parentSpanId === one("POST /plans").spanId)
  t.ok(plan, "the plan span is a child of its request")
  t.ok(named("run.step").length >= 1, "the run's step is a span")
  t.match(one("GET /runs/:id/events"), { traceId: String })
})

t.test("without an endpoint, nothing is exported", async (t) => {
  const otlp = await receiver(t)
  const server = await serve(["--root", jobsRoot, "--data-dir", `${t.testdir()}/data`], { OTEL_SERVICE_NAME: "flwd-test" })
  t.teardown(() => void server.child.kill("SIGKILL"))
  await (await fetch(`${server.url}/jobs`, { headers })).arrayBuffer()
  server.child.kill("SIGTERM")
  t.equal(await server.exited, 0)
  t.equal(otlp.posts(), 0)
})

t.test("--otlp-endpoint beats OTEL_EXPORTER_OTLP_ENDPOINT; a bad one is a usage error", async (t) => {
  const otlp = await receiver(t)
  const other = await receiver(t)
  const flagged = spawn(
    ...untracked([
      process.execPath,
      "cli/main.ts",
      "--root",
      jobsRoot,
      "--data-dir",
      `${t.testdir()}/data`,
      ":serve",
      "--bind",
      "127.0.0.1:0",
      "--otlp-endpoint",
      `${otlp.url}/`
    ]),
    {
      cwd: repoRoot,
      env: { ...process.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: "all:*", OTEL_EXPORTER_OTLP_ENDPOINT: other.url },
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  t.teardown(() => void flagged.kill("SIGKILL"))
  let flaggedErr = ""
  flagged.stderr!.on("data", (d) => (flaggedErr += d))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ""
    flagged.on("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${flaggedErr}`)))
    flagged.stdout!.on("data", (d) => {
      out += d
      const m = /flwd listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) resolve(m[1])
    })
  })
  await (await fetch(`${url}/jobs`, { headers })).arrayBuffer()
  const exited = new Promise<number | null>((resolve) => flagged.on("exit", resolve))
  flagged.kill("SIGTERM")
  t.equal(await exited, 0)
  t.ok(otlp.spans().some((s) => s.name === "GET /jobs"), "the flag's collector has the request span")
  t.equal(other.spans().filter((s) => s.name === "GET /jobs").length, 0, "the variable's has not")

  const bad = spawn(...untracked([process.execPath, "cli/main.ts", ":serve", "--otlp-endpoint", "ftp://x"]), {
    cwd: repoRoot,
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let err = ""
  bad.stderr!.on("data", (d) => (err += d))
  t.equal(await new Promise<number | null>((resolve) => bad.on("exit", resolve)), 2)
  t.match(err, /--otlp-endpoint must be an http\(s\) URL/)
})
