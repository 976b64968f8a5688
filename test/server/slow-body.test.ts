import t from "tap"
import { appFor, auth, jobsRoot, jsonHeaders, serverFor, spawnServer } from "./_helpers.ts"
import { rawExchange, type RawResponse } from "./_raw-http.ts"

// Generous: the read timeout under test is 1 s; a loaded machine may add a few.
const BOUND_MS = 20_000

async function within(response: Promise<RawResponse>, ms: number): Promise<RawResponse | "no answer"> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<"no answer">((resolve) => (timer = setTimeout(() => resolve("no answer"), ms)))
  try {
    return await Promise.race([response, late])
  } finally {
    clearTimeout(timer)
  }
}

t.test("a body shorter than its Content-Length is answered 408 within the read timeout", async (t) => {
  const { url } = await serverFor(t, { readTimeoutMs: 1000 })
  const head = [
    "POST /plans HTTP/1.1",
    "Host: localhost",
    `Authorization: ${auth().authorization}`,
    "Content-Type: application/json",
    "Content-Length: 100",
    "",
    ""
  ].join("\r\n")
  const { socket, response } = rawExchange(url, head, '{"job":"echo"')
  t.teardown(() => socket.destroy())
  const res = await within(response, BOUND_MS)
  t.not(res, "no answer", `answered within ${BOUND_MS} ms`)
  if (res === "no answer") return
  t.equal(res.status, 408)
  t.match(res.headers["content-type"], /^application\/problem\+json/)
  t.match(JSON.parse(res.body), { status: 408, code: "request.timeout", title: String })
  t.equal((await fetch(`${url}/healthz`)).status, 200, "the server is still healthy")
})

t.test("headers that never end are answered 408 as well", async (t) => {
  const { url } = await serverFor(t, { readTimeoutMs: 1000 })
  const { socket, response } = rawExchange(url, "GET /jobs HTTP/1.1\r\nHost: localhost\r\n")
  t.teardown(() => socket.destroy())
  const res = await within(response, BOUND_MS)
  t.not(res, "no answer", `answered within ${BOUND_MS} ms`)
  if (res === "no answer") return
  t.equal(res.status, 408)
  t.match(res.headers["content-type"], /^application\/problem\+json/)
  t.match(JSON.parse(res.body), { code: "request.timeout" })
})

t.test("createApp: a stalled body is 408 in the app itself (any runtime)", async (t) => {
  const { app } = await appFor(t, { readTimeoutMs: 500 })
  const stalled = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(new TextEncoder().encode('{"job":')),
    // Never closes: the client went quiet.
    pull: () => new Promise<void>(() => undefined)
  })
  const res = await app.request("/plans", { method: "POST", headers: jsonHeaders(), body: stalled, duplex: "half" } as RequestInit)
  t.equal(res.status, 408)
  t.match(res.headers.get("content-type"), /^application\/problem\+json/)
  t.match(await res.json(), { code: "request.timeout", status: 408 })
  t.equal(res.headers.get("connection"), "close")
})

t.test("--read-timeout sets it for the served process", async (t) => {
  const dir = t.testdir()
  const server = await spawnServer(["--dev", "--read-timeout", "1s", "--root", jobsRoot, "--data-dir", dir])
  t.teardown(() => void server.child.kill("SIGKILL"))
  const head = ["POST /runs HTTP/1.1", "Host: 127.0.0.1", "Authorization: Bearer dev-token", "Content-Type: application/json", "Content-Length: 64", "", ""]
    .join("\r\n")
  const { socket, response } = rawExchange(server.url, head, "{")
  t.teardown(() => socket.destroy())
  const res = await within(response, BOUND_MS)
  t.not(res, "no answer", `answered within ${BOUND_MS} ms`)
  if (res !== "no answer") t.match(JSON.parse(res.body), { status: 408, code: "request.timeout" })
})
