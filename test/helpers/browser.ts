/**
 * @module
 * A real browser for the console tests: the system Chromium driven by
 * playwright-core (its own browser download is never used), a fresh
 * context per test, screenshots to a git-ignored folder, and an axe-core
 * accessibility check run inside the page under the console's own CSP.
 * A missing Chromium fails the test: CI installs it (`.ci/run`).
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"
import type { Test } from "tap"

/** The part of a tap test these helpers use. */
export interface T {
  teardown: (fn: () => unknown) => void
}

/** Where screenshots go: `$FLWD_SCREENSHOTS`, else `.screenshots/ui/` at the repository root. */
export const screenshotDir = process.env.FLWD_SCREENSHOTS !== undefined && process.env.FLWD_SCREENSHOTS !== ""
  ? resolve(process.env.FLWD_SCREENSHOTS)
  : resolve(import.meta.dirname, "..", "..", ".screenshots", "ui")

/** A viewport small enough for the screenshots to stay light in docs/ui/. */
export const viewport = { width: 1280, height: 800 } as const

/**
 * Without the background-networking flags Chromium keeps calling home
 * (component updates, sync, QUIC probes), which floods a closed network
 * and slows a loaded machine; the sandbox needs namespaces a root CI
 * container does not give it.
 */
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** The system Chromium: `$CHROMIUM`, `/usr/bin/chromium`, or what `which` finds. Throws when there is none. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"]
  for (const c of candidates) if (c !== undefined && c !== "" && existsSync(c)) return c
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const found = execFileSync("which", [name], { encoding: "utf8" }).trim()
      if (found !== "") return found
    } catch {
      // Not on PATH under this name.
    }
  }
  throw new Error("Chromium is missing: install Debian's chromium package (.ci/run does); the console tests need a real browser")
}

/** Launches the system Chromium headless; closed when the test ends. */
export async function launchBrowser(t: T): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true, timeout: 60_000 })
  t.teardown(() => browser.close())
  return browser
}

/** A violation axe reports, reduced to what a failing test should print. */
export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly targets: ReadonlyArray<string>
}

/** A page in its own context, with the checks the console tests make. */
export interface TestPage {
  readonly context: BrowserContext
  readonly page: Page
  /** Writes `<screenshotDir>/<name>.png` of the viewport; returns its path. */
  readonly screenshot: (name: string) => Promise<string>
  /** Serious and critical axe violations of the page as it is now. */
  readonly axe: () => Promise<ReadonlyArray<AxeViolation>>
  /** Console messages and page errors about the Content-Security-Policy (none expected). */
  readonly cspViolations: () => ReadonlyArray<string>
  /** Uncaught errors of the page's own scripts (none expected). */
  readonly pageErrors: () => ReadonlyArray<string>
}

let axeSource: string | undefined

/** axe-core's browser bundle, read once. */
function axeScript(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")
  return axeSource
}

/**
 * A fresh context (no cookies, no cache) and page on `baseURL`, closed
 * when the test ends; `javaScriptEnabled: false` reads the console as a
 * browser with scripts off does. The console's CSP stays on (`bypassCSP` false):
 * axe is evaluated through the DevTools protocol, which CSP does not
 * govern, so the check runs against the page exactly as users get it.
 */
export async function openPage(t: T, browser: Browser, baseURL: string, options: { readonly javaScriptEnabled?: boolean } = {}): Promise<TestPage> {
  const context = await browser.newContext({ baseURL, viewport, bypassCSP: false, javaScriptEnabled: options.javaScriptEnabled ?? true })
  context.setDefaultTimeout(30_000)
  context.setDefaultNavigationTimeout(60_000)
  t.teardown(() => context.close())
  const page = await context.newPage()
  const csp: Array<string> = []
  const errors: Array<string> = []
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text())
  })
  page.on("pageerror", (e) => {
    if (/Content Security Policy/i.test(e.message)) csp.push(e.message)
    else errors.push(e.message)
  })
  const screenshot = async (name: string) => {
    mkdirSync(screenshotDir, { recursive: true })
    const path = join(screenshotDir, `${name}.png`)
    await page.screenshot({ path, fullPage: false })
    return path
  }
  const axe = async (): Promise<ReadonlyArray<AxeViolation>> => {
    const loaded = await page.evaluate("typeof window.axe === 'object'")
    if (loaded !== true) await page.evaluate(axeScript())
    const violations = await page.evaluate(`window.axe.run(document, { resultTypes: ["violations"] }).then((r) =>
      r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`) as Array<AxeViolation>
    return violations.filter((v) => v.impact === "serious" || v.impact === "critical")
  }
  return { context, page, screenshot, axe, cspViolations: () => csp, pageErrors: () => errors }
}

/**
 * Signs in through the console's login form as a user would (the token in
 * the password field) and waits to leave the login page.
 */
export async function signIn(page: Page, token: string, next = "/ui/"): Promise<void> {
  await page.goto(`/ui/login?next=${encodeURIComponent(next)}`)
  await page.getByLabel(/token/i).fill(token)
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith("/ui/login"), { timeout: 30_000 }),
    page.getByRole("button", { name: /sign in/i }).click()
  ])
}

/**
 * Checks a page as every console page is checked — no serious or critical
 * axe violation, nothing refused by the CSP, no script error — then writes
 * its screenshot as `<name>.png`.
 */
export async function checkPage(t: Test, p: TestPage, name: string): Promise<void> {
  t.same(await p.axe(), [], `${name}: no serious or critical accessibility violation`)
  t.same(p.cspViolations(), [], `${name}: nothing refused by the Content-Security-Policy`)
  t.same(p.pageErrors(), [], `${name}: no script error`)
  await p.screenshot(name)
}
