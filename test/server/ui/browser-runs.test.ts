/**
 * Jobs and runs in a real browser against the real server: a job's
 * generated form runs it and its log lines arrive live on the run page;
 * a long run is canceled from its page; a token without `runs:write` sees
 * no Run button and the route refuses it anyway; lists and details read
 * with scripts off. Each page passes axe and leaves a screenshot.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { checkPage, launchBrowser, openPage, signIn } from "../../helpers/browser.ts"
import { tempDir } from "../../helpers/engine.ts"
import { killSleeping, until } from "../../helpers/processes.ts"
import { serverFor } from "../_helpers.ts"

// A browser, a server (and a registry) on a loaded 2-core machine: more room than tap's default 120 s.
t.setTimeout(300_000)
const browser = await launchBrowser(t)

/** A sleep no other test uses, so a leftover is found and killed by its argument. */
const LONG_SLEEP = 587

/** The run id from a run page's URL. */
const runIdOf = (url: string) => decodeURIComponent(new URL(url).pathname.replace(/^\/ui\/runs\//, ""))

t.test("a job's generated form runs it, and its log lines arrive live on the run page", async (t) => {
  const { url } = await serverFor(t, { loopback: true })
  const p = await openPage(t, browser, url)
  await signIn(p.page, "all", "/ui/jobs")

  const jobLink = (name: string) => p.page.getByRole("link", { name, exact: true })
  await jobLink("gated").waitFor()
  await p.page.getByRole("searchbox", { name: "Search" }).fill("gat")
  await p.page.getByRole("button", { name: "Search" }).click()
  await until("the search to narrow the list", async () => (await jobLink("echo").isVisible()) === false)
  t.ok(await jobLink("gated").isVisible(), "the search keeps the matching job")
  await checkPage(t, p, "jobs")

  await jobLink("gated").click()
  await p.page.waitForURL((u) => u.pathname === "/ui/jobs/gated")
  // A short path of its own: it shows in the form, the run page and their screenshots.
  const gate = join(tempDir(t, "flwd-gate-"), "gate")
  const field = (name: string) => p.page.getByLabel(new RegExp(`^${name}\\b`))
  t.equal(await field("gate").getAttribute("required"), "", "a required argument is a required field")
  t.equal(await field("before").getAttribute("type"), "number", "an integer argument is a number field")
  t.equal(await field("before").inputValue(), "3", "defaults are filled in")
  await field("gate").fill(gate)
  await field("before").fill("2")
  await field("after").fill("2")
  await p.page.getByRole("button", { name: "Preview plan" }).click()
  await p.page.getByText("process", { exact: true }).first().waitFor()
  t.equal(await field("gate").inputValue(), gate, "the preview keeps what was typed")
  await checkPage(t, p, "job")

  await p.page.getByRole("button", { name: "Run", exact: true }).click()
  await p.page.waitForURL((u) => /^\/ui\/runs\/[^/]+$/.test(u.pathname))
  const id = runIdOf(p.page.url())
  let navigations = 0
  p.page.on("framenavigated", (f) => {
    if (f === p.page.mainFrame()) navigations++
  })
  const log = p.page.getByRole("log")
  await log.getByText("before 2").waitFor({ timeout: 60_000 })
  t.equal(await log.getByText("after 1").count(), 0, "the second half waits for the gate")
  writeFileSync(gate, "")
  await log.getByText("after 2").waitFor({ timeout: 60_000 })
  await p.page.locator("#run-status").getByText("succeeded").waitFor({ timeout: 60_000 })
  t.equal(navigations, 0, "the lines and the final status arrived live, without a reload")
  // The screenshot shows the steps and the log.
  await p.page.getByRole("heading", { name: "Steps" }).evaluate((h) => h.scrollIntoView({ block: "start" }))
  await checkPage(t, p, "run")

  await p.page.goto("/ui/runs")
  await p.page.getByRole("link", { name: id, exact: true }).waitFor()
  await checkPage(t, p, "runs")
  await p.page.getByLabel("Status").selectOption("running")
  await p.page.getByRole("button", { name: "Filter" }).click()
  await p.page.waitForURL((u) => u.searchParams.get("status") === "running")
  t.equal(await p.page.getByRole("link", { name: id, exact: true }).count(), 0, "the status filter leaves a finished run out")
})

t.test("a long run is canceled from its page", async (t) => {
  t.teardown(() => killSleeping(LONG_SLEEP))
  const { url } = await serverFor(t, { loopback: true })
  const p = await openPage(t, browser, url)
  await signIn(p.page, "all", "/ui/jobs/sleepy")
  await p.page.getByLabel(/^seconds/).fill(String(LONG_SLEEP))
  await p.page.getByRole("button", { name: "Run", exact: true }).click()
  await p.page.waitForURL((u) => /^\/ui\/runs\/[^/]+$/.test(u.pathname))
  await p.page.getByRole("log").getByText(`sleeping ${LONG_SLEEP}`).waitFor({ timeout: 60_000 })
  p.page.on("dialog", (d) => void d.accept())
  await p.page.getByRole("button", { name: "Cancel run" }).click()
  await p.page.locator("#run-status").getByText("canceled").waitFor({ timeout: 60_000 })
  t.equal(await p.page.getByRole("button", { name: "Cancel run" }).count(), 0, "a canceled run offers no Cancel")
  const run = await (await fetch(`${url}/runs/${runIdOf(p.page.url())}`, { headers: { authorization: "Bearer all" } })).json() as { status: string }
  t.equal(run.status, "canceled", "the API agrees")
})

t.test("a token without runs:write sees no Run button, and the routes refuse it", async (t) => {
  const { url } = await serverFor(t, { loopback: true })
  const p = await openPage(t, browser, url)
  await signIn(p.page, "no-runs-write", "/ui/jobs/echo")
  await p.page.getByRole("heading", { level: 1 }).waitFor()
  t.equal(await p.page.getByRole("button", { name: "Run", exact: true }).count(), 0, "no Run button")
  await p.page.getByText("Running needs the runs:write scope").waitFor()
  const csrf = await p.page.locator("meta[name=csrf-token]").getAttribute("content") ?? ""
  const refused = await p.page.request.post("/runs", { headers: { "x-csrf-token": csrf }, data: { job: "echo" } })
  t.equal(refused.status(), 403, "POST /runs on the session cookie is refused")
  t.match(await refused.json(), { code: "auth.scope.missing" })
  const action = await p.page.request.post("/ui/jobs/echo/run", { form: { _csrf: csrf, "arg.name": "x" } })
  t.equal(action.status(), 403, "the console's own run action refuses it too")
  const runs = await (await fetch(`${url}/runs`, { headers: { authorization: "Bearer all" } })).json() as { items: Array<unknown> }
  t.same(runs.items, [], "no run was started")
})

t.test("with scripts off, the runs list and a run's details still read", async (t) => {
  const { url } = await serverFor(t, { loopback: true })
  const started = await fetch(`${url}/runs`, {
    method: "POST",
    headers: { authorization: "Bearer all", "content-type": "application/json" },
    body: JSON.stringify({ job: "echo", args: { name: "no-script", lines: 2 } })
  })
  const { id } = await started.json() as { id: string }
  await until(
    "the run to finish",
    async () => ((await (await fetch(`${url}/runs/${id}`, { headers: { authorization: "Bearer all" } })).json()) as { status: string }).status === "succeeded",
    60_000
  )
  const p = await openPage(t, browser, url, { javaScriptEnabled: false })
  await signIn(p.page, "all", "/ui/runs")
  await p.page.getByRole("link", { name: id, exact: true }).click()
  await p.page.getByRole("log").getByText("line 2 for no-script").waitFor()
  t.equal(await p.page.locator("#run-status").textContent(), "succeeded", "its status reads too")
})
