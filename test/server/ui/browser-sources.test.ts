/**
 * Sources in a real browser against the real server and a real registry:
 * an add-on added through the Sources form (trusted checkbox ticked) shows
 * its pull progress per layer, then its jobs; a refused add shows the
 * problem and its fix hint; a token without `sources:write` gets no form
 * and the route refuses it. Each page passes axe and leaves a screenshot.
 */
import { randomBytes } from "node:crypto"
import t, { type Test } from "tap"
import { checkPage, launchBrowser, openPage, signIn, type TestPage } from "../../helpers/browser.ts"
import { layerBlob, pushImage, tarLayer } from "../../helpers/oci-image.ts"
import { startRegistry } from "../../helpers/registry.ts"
import { until } from "../../helpers/processes.ts"
import { addonImage, testPolicy } from "../../plugins/sources/oci/_addon.ts"
import { serverFor } from "../_helpers.ts"

// A browser, a server (and a registry) on a loaded 2-core machine: more room than tap's default 120 s.
t.setTimeout(300_000)
const browser = await launchBrowser(t)

/** A registry holding the add-on (three layers: busybox, 4 MiB of noise, the job tree) and the console over a policy listing it. */
async function consoleWithAddon(t: Test) {
  const registry = await startRegistry(t)
  const noise = layerBlob(await tarLayer([{ path: "noise.bin", content: randomBytes(4 * 1024 * 1024) }]), "gzip")
  const image = await addonImage({ extraLayers: [noise] })
  await pushImage(registry.url, "example/addon", "1.0.0", image)
  const { url } = await serverFor(t, { loopback: true }, { policy: testPolicy(registry.host) })
  return { registry, image, url, ref: `${registry.host}/example/addon:1.0.0` }
}

/** Fills the Sources page's add form for an OCI source. */
async function fillAdd(p: TestPage, name: string, ref: string, trusted: boolean): Promise<void> {
  const form = p.page.getByRole("region", { name: "Add a source" })
  await form.getByLabel("Type").selectOption("oci")
  await form.getByLabel("Name", { exact: true }).fill(name)
  await form.getByLabel("Image reference").fill(ref)
  await form.getByLabel(/I trust this image/).setChecked(trusted)
}

/** The text of the page's live regions, or "" while the page is being replaced. */
const liveText = async (p: TestPage) => (await p.page.locator("[aria-live]").allTextContents().catch(() => [])).join("\n")

t.test("an add-on added through the Sources form shows its progress per layer, then its jobs", async (t) => {
  const { image, url, ref } = await consoleWithAddon(t)
  const p = await openPage(t, browser, url)
  await signIn(p.page, "all", "/ui/sources")
  await fillAdd(p, "addon", ref, true)
  await p.page.getByRole("button", { name: "Add source" }).click()

  // Each layer of the image gets its line ("Layer 2/3 sha256:<12 hex>") while the pull goes on.
  const shortDigests = image.layers.map((l) => l.digest.slice(0, "sha256:".length + 12))
  let seen = ""
  await until("a progress line for every layer", async () => {
    seen = await liveText(p)
    return shortDigests.every((d) => seen.includes(d))
  }, 60_000)
  t.match(seen, /Layer 1\/3/, "layers are counted")
  t.ok(await p.page.locator("progress").count() >= 3, "each layer has a progress bar")
  // The progress lines sit under the form; the page opens the source's page a moment after the pull.
  await p.page.locator("#add-progress").scrollIntoViewIfNeeded().catch(() => undefined)
  await p.screenshot("sources-progress").catch(() => undefined)

  await p.page.waitForURL((u) => u.pathname === "/ui/sources/addon", { timeout: 60_000 })
  await p.page.getByText(image.manifest.digest).first().waitFor()
  await p.page.getByRole("link", { name: "addon/hello-world" }).first().waitFor()
  await checkPage(t, p, "source")

  await p.page.goto("/ui/sources")
  await p.page.getByRole("link", { name: "addon", exact: true }).waitFor()
  await checkPage(t, p, "sources")
})

t.test("a refused add shows the problem and its fix hint", async (t) => {
  const { url, ref } = await consoleWithAddon(t)
  const p = await openPage(t, browser, url)
  await signIn(p.page, "all", "/ui/sources")

  await fillAdd(p, "untrusted", ref, false)
  await p.page.getByRole("button", { name: "Add source" }).click()
  const untrusted = p.page.getByRole("alert").filter({ hasText: "source.trust.required" })
  await untrusted.waitFor({ timeout: 60_000 })
  t.match(await untrusted.textContent(), /How to fix it:.*I trust this image/s, "the fix hint names the checkbox")
  t.same(await p.axe(), [], "the page with a problem passes axe")
  await p.screenshot("sources-refused")

  await fillAdd(p, "elsewhere", "127.0.0.1:1/example/addon:1.0.0", true)
  await p.page.getByRole("button", { name: "Add source" }).click()
  const unlisted = p.page.getByRole("alert").filter({ hasText: "image.registry.not.allowed" })
  await unlisted.waitFor({ timeout: 60_000 })
  t.match(await unlisted.textContent(), /How to fix it:.*allowed_registries/s, "the fix hint names the policy setting")

  const list = await (await fetch(`${url}/sources`, { headers: { authorization: "Bearer all" } })).json() as { items: Array<{ name: string }> }
  t.same(list.items.map((s) => s.name).filter((n) => n !== "default"), [], "neither source was added")
})

t.test("with scripts off, a refused add shows the same problem and fix", async (t) => {
  const { url, ref } = await consoleWithAddon(t)
  const p = await openPage(t, browser, url, { javaScriptEnabled: false })
  await signIn(p.page, "all", "/ui/sources")
  await fillAdd(p, "untrusted", ref, false)
  await p.page.getByRole("button", { name: "Add source" }).click()
  const problem = p.page.getByRole("alert").filter({ hasText: "source.trust.required" })
  await problem.waitFor({ timeout: 60_000 })
  t.match(await problem.textContent(), /How to fix it:/, "with its fix hint")
  t.equal(await p.page.getByLabel("Image reference").inputValue(), ref, "what was typed is kept")
})

t.test("a token without sources:write gets no add form, and the route refuses it", async (t) => {
  const { url, ref } = await consoleWithAddon(t)
  const p = await openPage(t, browser, url)
  await signIn(p.page, "no-sources-write", "/ui/sources")
  await p.page.getByRole("heading", { level: 1, name: "Sources" }).waitFor()
  t.equal(await p.page.getByRole("button", { name: "Add source" }).count(), 0, "no add form")
  const csrf = await p.page.locator("meta[name=csrf-token]").getAttribute("content") ?? ""
  const refused = await p.page.request.post("/sources", { headers: { "x-csrf-token": csrf }, data: { type: "oci", name: "addon", ref, trusted: true } })
  t.equal(refused.status(), 403, "POST /sources on the session cookie is refused")
  t.match(await refused.json(), { code: "auth.scope.missing" })
})
