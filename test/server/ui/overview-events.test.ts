import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import t from "tap"
import { appFor, auth, fixtures, jsonHeaders, readSse, serverFor, type T } from "../_helpers.ts"
import { inProcess, overSocket, type Requester, signIn } from "./_ui.ts"

/** A job tree with a job that fails (exit 3) and one that sleeps, beside the fixtures' echo. */
function tree(t: T): string {
  const root = mkdtempSync(join(tmpdir(), "flwd-ui-"))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const job = (id: string, script: string) => {
    mkdirSync(join(root, id))
    writeFileSync(join(root, id, "config.yaml"), "command: ./run.sh\n")
    writeFileSync(join(root, id, "run.sh"), `#!/bin/sh\n${script}\n`)
    chmodSync(join(root, id, "run.sh"), 0o755)
  }
  job("fails", "echo about to fail; exit 3")
  job("sleeps", "sleep 60")
  job("echo", "echo hello")
  return root
}

async function until(what: string, f: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await f()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Leaves a failed run, a running one, a refused source add and a denied profile in the journal. */
async function eventful(request: Requester): Promise<{ failed: string; running: string }> {
  const start = async (job: string) =>
    ((await (await request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job }) })).json()) as { id: string }).id
  const failed = await start("fails")
  const running = await start("sleeps")
  const status = async (id: string) => ((await (await request(`/runs/${id}`, { headers: auth() })).json()) as { status: string }).status
  await until("the failed run", async () => (await status(failed)) === "failed")
  await until("the running run", async () => (await status(running)) === "running")
  const add = await request("/sources", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ type: "local", name: "outside", path: "/" }) })
  t.equal(add.status, 403, "a source outside the allowed roots is refused")
  const denied = await request("/runs", {
    method: "POST",
    headers: jsonHeaders("no-policy-override"),
    body: JSON.stringify({ job: "echo", profile: "disabled" })
  })
  t.equal(denied.status, 403, "a weaker profile without policy:override is denied")
  return { failed, running }
}

const section = (page: string, id: string): string => {
  const at = page.indexOf(`<h2 id="${id}">`)
  if (at < 0) return ""
  const end = page.indexOf("</section>", at)
  return page.slice(at, end)
}

t.test("the overview shows sources by status, runs queued or running, recent failures and policy decisions", async (t) => {
  const { app } = await appFor(t, {}, { root: tree(t), allowedLocalRoots: [fixtures] })
  const request = inProcess(app)
  const { failed, running } = await eventful(request)
  const { cookie } = await signIn(request)
  const page = await (await request("/ui/", { headers: { cookie } })).text()
  t.match(section(page, "h-sources"), /<span class="badge badge-ready">ready<\/span> 1/)
  t.match(section(page, "h-sources"), /href="\/ui\/sources\/default">default</)
  t.match(section(page, "h-runs"), new RegExp(`href="/ui/runs/${running}"[^]*sleeps[^]*badge-running">running`))
  t.notMatch(section(page, "h-runs"), failed)
  t.match(section(page, "h-failed-runs"), new RegExp(`href="/ui/runs/${failed}"[^]*fails[^]*badge-failed">failed`))
  const failures = section(page, "h-failures")
  t.match(failures, /<code>source\.failed<\/code>/)
  t.match(failures, /outside \(add\): source\.not\.allowed — /)
  t.match(failures, new RegExp(`<code>run\\.failed</code>[^]*href="/ui/runs/${failed}"[^]*run\\.exit\\.nonzero`))
  const decisions = section(page, "h-decisions")
  t.match(decisions, /<span class="badge badge-deny">deny<\/span>/)
  t.match(decisions, /policy\.override\.denied|disabled/)
  t.notMatch(decisions, /source\.failed/)
})

t.test("the overview shows only the sections the session's scopes open", async (t) => {
  const { app } = await appFor(t, { tokens: "events-only:events:read;nothing:metrics:read" })
  const request = inProcess(app)
  const events = await (await request("/ui/", { headers: { cookie: (await signIn(request, "events-only")).cookie } })).text()
  t.equal(section(events, "h-sources"), "")
  t.equal(section(events, "h-runs"), "")
  t.not(section(events, "h-failures"), "")
  t.not(section(events, "h-decisions"), "")
  const none = await request("/ui/", { headers: { cookie: (await signIn(request, "nothing")).cookie } })
  t.equal(none.status, 200, "any signed-in session sees the overview")
  const text = await none.text()
  t.match(text, /holds none of the scopes this page shows/)
  t.notMatch(text, /href="\/ui\/(sources|jobs|runs|events)"/, "and no link it cannot open")
})

t.test("the events page lists the journal newest first, filtered by type, in pages", async (t) => {
  const { app } = await appFor(t, {}, { root: tree(t), allowedLocalRoots: [fixtures] })
  const request = inProcess(app)
  await eventful(request)
  const { cookie } = await signIn(request)
  const rows = async (query: string) => {
    const page = await (await request(`/ui/events${query}`, { headers: { cookie } })).text()
    const items = [...page.matchAll(/<tr data-id="(\d+)">[^]*?<code>([a-z.]+)<\/code>/g)].map((m) => ({ id: Number(m[1]), type: m[2] }))
    return { page, items }
  }
  const all = await rows("")
  t.ok(all.items.length > 5)
  t.same(all.items.map((e) => e.id), [...all.items.map((e) => e.id)].sort((a, b) => b - a), "newest first")
  t.notOk(all.items.some((e) => e.type === "log"), "log lines belong to their run's page")
  t.match(all.page, /<select id="type" name="type">/)
  t.match(all.page, /<label for="type">Type<\/label>/)
  t.match(all.page, /data-live="\/events"/)

  const expect = {
    "policy.decision": (x: string) => x === "policy.decision",
    "source.*": (x: string) => x.startsWith("source."),
    "run.*": (x: string) => x.startsWith("run."),
    failures: (x: string) => x === "run.failed" || x === "source.failed",
    "run.failed": (x: string) => x === "run.failed",
    "step.started": (x: string) => x === "step.started"
  }
  for (const [type, keep] of Object.entries(expect)) {
    const { page, items } = await rows(`?type=${encodeURIComponent(type)}`)
    t.ok(items.length > 0, `${type}: some events`)
    t.ok(items.every((e) => keep(e.type)), `${type}: only those`)
    t.equal(items.length, all.items.filter((e) => keep(e.type)).length, `${type}: all of them`)
    t.match(page, new RegExp(`<option value="${type.replace(/[.*]/g, "\\$&")}" selected>`), `${type}: the select shows the filter`)
    t.match(page, new RegExp(`data-filter="${type.replace(/[.*]/g, "\\$&")}"`), `${type}: the live rows keep to it`)
  }
  t.same((await rows("?type=nonsense")).items, all.items, "an unknown filter is all")

  // Pages of 50: the next one continues below the last id, without overlap.
  const more: Array<string> = []
  for (let i = 0; i < 12; i++) {
    const run = await request("/runs", { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo" }) })
    more.push(((await run.json()) as { id: string }).id)
  }
  for (const id of more) {
    await until(`run ${id}`, async () => ((await (await request(`/runs/${id}`, { headers: auth() })).json()) as { status: string }).status === "succeeded")
  }
  const first = await rows("")
  t.equal(first.items.length, 50)
  const next = /<a href="([^"]+)" rel="next">/.exec(first.page)?.[1].replaceAll("&amp;", "&")
  t.match(next, /^\/ui\/events\?before=\d+$/)
  const second = await rows(next!.slice("/ui/events".length))
  t.ok(second.items.length > 0)
  t.ok(second.items[0].id < first.items[49].id, "older events only")
  t.notMatch(second.page, /data-live=/, "an older page is not live")
  t.match(second.page, /<a href="\/ui\/events">First page<\/a>/)
})

t.test("the live events stream the page follows answers the session cookie, over a socket", async (t) => {
  const { url } = await serverFor(t)
  const request = overSocket(url)
  const { cookie, csrf } = await signIn(request)
  const stream = await request("/events", { headers: { cookie, accept: "text/event-stream" } })
  t.equal(stream.status, 200)
  t.match(stream.headers.get("content-type"), /^text\/event-stream/)
  const started = await request("/runs", {
    method: "POST",
    headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
    body: JSON.stringify({ job: "echo" })
  })
  t.equal(started.status, 202)
  const { id } = await started.json() as { id: string }
  const seen: Array<string> = []
  await readSse(stream, (f) => {
    if (f.event !== undefined) seen.push(f.event)
    return f.event === "run.queued" && (JSON.parse(f.data!) as { run_id: string }).run_id === id
  })
  t.ok(seen.includes("run.queued"), "the new run's event arrives live")
})
