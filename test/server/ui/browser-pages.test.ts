/**
 * The console in a real browser (system Chromium), against the real server
 * on a loopback socket: signing in and out, the security headers every
 * page carries, the overview and the live events page; each page passes
 * axe with no serious or critical violation and leaves a screenshot.
 */
import t from "tap"
import { checkPage, launchBrowser, openPage, signIn } from "../../helpers/browser.ts"
import { killSleeping } from "../../helpers/processes.ts"
import { jsonHeaders, serverFor } from "../_helpers.ts"

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// A browser, a server (and a registry) on a loaded 2-core machine: more room than tap's default 120 s.
t.setTimeout(300_000)
const browser = await launchBrowser(t)

/** A sleep no other test uses, so a leftover is found and killed by its argument. */
const OVERVIEW_SLEEP = 589

t.test("signing in: a bad token is refused without being echoed; a good one opens the overview", async (t) => {
  t.teardown(() => killSleeping(OVERVIEW_SLEEP))
  const { url } = await serverFor(t, { loopback: true })
  const p = await openPage(t, browser, url)
  const first = await p.page.goto("/ui/runs")
  t.match(new URL(p.page.url()).pathname, "/ui/login", "signed out, a page leads to the login form")
  t.equal(new URL(p.page.url()).searchParams.get("next"), "/ui/runs", "and remembers where the user was going")
  const headers = first!.headers()
  t.equal(headers["content-security-policy"], CSP)
  t.equal(headers["referrer-policy"], "no-referrer")
  t.equal(headers["x-frame-options"], "DENY")
  t.equal(headers["cache-control"], "no-store")
  await checkPage(t, p, "login")

  await p.page.getByLabel(/token/i).fill("not-a-token-4711")
  await p.page.getByRole("button", { name: /sign in/i }).click()
  await p.page.getByRole("alert").filter({ hasText: /not valid/i }).waitFor()
  t.match(new URL(p.page.url()).pathname, "/ui/login", "still on the login page")
  t.notMatch(await p.page.content(), "not-a-token-4711", "the token is not echoed back")
  t.equal(await p.page.getByLabel(/token/i).inputValue(), "", "the field is empty again")

  await p.page.getByLabel(/token/i).fill("all")
  await p.page.getByRole("button", { name: /sign in/i }).click()
  await p.page.waitForURL((u) => u.pathname === "/ui/runs")
  const cookie = (await p.context.cookies()).find((c) => c.name === "flwd_session")
  t.match(cookie, { httpOnly: true, sameSite: "Strict", path: "/", secure: false }, "an HttpOnly, SameSite=Strict session cookie (no Secure on loopback)")

  // Something to show: a run going on, started under a weaker profile (a warn decision).
  const started = await fetch(`${url}/runs`, {
    method: "POST",
    headers: jsonHeaders(),
    body: JSON.stringify({ job: "sleepy", args: { seconds: OVERVIEW_SLEEP }, profile: "permissive" })
  })
  const { id } = await started.json() as { id: string }
  await p.page.goto("/ui/")
  await p.page.getByRole("heading", { level: 1 }).waitFor()
  await p.page.getByRole("link", { name: id }).first().waitFor()
  t.equal(await p.page.getByRole("heading", { level: 1 }).count(), 1, "one h1")
  for (const name of ["Overview", "Sources", "Jobs", "Runs", "Events"]) {
    t.equal(await p.page.getByRole("navigation").getByRole("link", { name, exact: true }).count(), 1, `the nav links to ${name}`)
  }
  await checkPage(t, p, "overview")

  await p.page.getByRole("button", { name: /sign out/i }).click()
  await p.page.waitForURL((u) => u.pathname.startsWith("/ui/login"))
  await p.page.goto("/ui/")
  t.match(new URL(p.page.url()).pathname, "/ui/login", "signed out, the session is gone")
})

t.test("the nav hides what a session may not read, and the page says which scope is missing", async (t) => {
  const { url } = await serverFor(t, { loopback: true })
  const p = await openPage(t, browser, url)
  await signIn(p.page, "no-events-read")
  t.equal(await p.page.getByRole("navigation").getByRole("link", { name: "Events", exact: true }).count(), 0, "no Events link")
  const res = await p.page.goto("/ui/events")
  t.equal(res!.status(), 403)
  await p.page.getByText("events:read").first().waitFor()
  t.same(await p.axe(), [], "the forbidden page passes axe")
})

t.test("the events page shows the journal live and filters it by type", async (t) => {
  const { url } = await serverFor(t, { loopback: true })
  const p = await openPage(t, browser, url)
  await signIn(p.page, "all", "/ui/events")
  await p.page.getByRole("heading", { level: 1, name: "Events" }).waitFor()
  let navigations = 0
  p.page.on("framenavigated", (f) => {
    if (f === p.page.mainFrame()) navigations++
  })
  const res = await fetch(`${url}/runs`, { method: "POST", headers: jsonHeaders(), body: JSON.stringify({ job: "echo", args: { name: "events-page" } }) })
  t.equal(res.status, 202)
  const { id } = await res.json() as { id: string }
  const rows = p.page.locator("#event-rows tr")
  await rows.filter({ hasText: id }).filter({ hasText: "run.finished" }).first().waitFor({ timeout: 60_000 })
  t.equal(navigations, 0, "the run's events arrived without a reload")
  await checkPage(t, p, "events")

  // The filter is a plain GET form: it works with scripts off too.
  await p.page.getByLabel("Type").selectOption("failures")
  await p.page.getByRole("button", { name: "Filter" }).click()
  await p.page.waitForURL((u) => u.searchParams.get("type") === "failures")
  t.equal(await rows.filter({ hasText: "run.finished" }).count(), 0, "finished runs are not failures")
  await p.page.getByLabel("Type").selectOption("run.*")
  await p.page.getByRole("button", { name: "Filter" }).click()
  await rows.filter({ hasText: id }).filter({ hasText: "run.finished" }).first().waitFor()
  t.pass("the run group lists the run's events")
})
