import t from "tap"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { startRegistry } from "../../../helpers/registry.ts"
import { pushAddon, testPolicy } from "./_addon.ts"
import { cliBox } from "./_cli.ts"

const sandboxAvailable = existsSync(join(import.meta.dirname, "../../../../plugins/executors/sandbox/mod.ts"))

const ndjson = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>)

// One registry for the file: each test adds into a data directory of its own.
const registry = await startRegistry(t)

t.test("flwd :sources add --type oci: NDJSON progress under --json, then the source; the job runs in the image", async (t) => {
  const digest = await pushAddon(registry.url, "example/addon", "1.0.0")
  const box = cliBox(t, testPolicy(registry.host))
  const ref = `${registry.host}/example/addon:1.0.0`
  const added = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref, "--trusted", "--pull-policy", "on-add", "--json"])
  t.equal(added.code, 0, added.stderr)
  const lines = ndjson(added.stdout)
  const progress = lines.slice(0, -1)
  t.ok(progress.length > 0 && progress.every((l) => l.type === "source.pulled" && l.data.name === "addon"), "progress events first")
  t.match(progress[0], { data: { phase: "resolved", digest, layers: 2 } })
  t.ok(progress.some((l) => l.data.phase === "download" && typeof l.data.rate === "number"), "per-layer bytes and rate")
  t.match(progress.at(-1), { data: { phase: "done", digest } })
  t.match(lines.at(-1), { name: "addon", type: "oci", status: "ready", job_count: 1, provenance: { digest } })

  const shown = await box.flwd([":sources", "show", "addon"])
  t.match(shown.stdout, /Pull policy\s+on-add/)
  t.match(shown.stdout, new RegExp(`digest\\s+${digest}`))

  const refreshed = await box.flwd([":sources", "refresh", "addon", "--json"])
  t.equal(refreshed.code, 0, refreshed.stderr)
  t.match(ndjson(refreshed.stdout).at(-1), { name: "addon", provenance: { digest, sizes: { downloaded: 0 } } })

  if (sandboxAvailable) {
    const ran = await box.flwd(["addon/hello-world", "--name", "Alice"])
    t.equal(ran.code, 0, ran.stderr)
    t.equal(ran.stdout, "Hello, Alice! from the add-on image\n", "printed from inside the image")
  }
})

t.test("flwd :sources add on a terminal draws one progress line per layer", async (t) => {
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const box = cliBox(t, testPolicy(registry.host))
  const added = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", `${registry.host}/example/addon:1.0.0`, "--trusted"], {
    tty: true
  })
  t.equal(added.code, 0, added.stdout)
  t.match(added.stdout, /pulling 127\.0\.0\.1:\d+\/example\/addon:1\.0\.0 \(sha256:/)
  t.match(added.stdout, /layer 1\/2 {2}[0-9a-f]{12} {2}\d+(\.\d)? [kM]?B \/ \d+(\.\d)? [kM]?B .*unpacked/)
  t.match(added.stdout, /layer 2\/2/)
  t.match(added.stdout, /added source addon \(oci\): ready, 1 job/)
})

t.test("flwd :sources add reports problems with their code and fields", async (t) => {
  const box = cliBox(t, testPolicy(registry.host))
  const untrusted = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", `${registry.host}/example/addon:1.0.0`])
  t.equal(untrusted.code, 2)
  t.match(untrusted.stderr, /flwd: source\.trust\.required: .*\n {2}trusted: must be true for an oci source/)
  const badRef = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", "Not/A/Ref", "--trusted", "--semver", "nope"])
  t.equal(badRef.code, 2)
  t.match(badRef.stderr, /ref: repository name must be lowercase/)
  t.match(badRef.stderr, /semver: is not a valid semver range/)
})

t.test("flwd :gc removes what no source refers to", async (t) => {
  const kept = await pushAddon(registry.url, "example/addon", "1.0.0")
  const dropped = await pushAddon(registry.url, "example/other", "1.0.0", { greeting: "Bye" })
  const box = cliBox(t, testPolicy(registry.host))
  const add = (name: string, repo: string) =>
    box.flwd([":sources", "add", "--type", "oci", "--name", name, "--ref", `${registry.host}/${repo}:1.0.0`, "--trusted"])
  t.equal((await add("addon", "example/addon")).code, 0)
  t.equal((await add("other", "example/other")).code, 0)
  t.equal((await box.flwd([":sources", "remove", "other"])).code, 0)
  t.ok(existsSync(join(box.dataDir, "addons", dropped, "rootfs")), "remove keeps the image")

  const dry = await box.flwd([":gc", "--dry-run", "--json"])
  t.equal(dry.code, 0, dry.stderr)
  const plan = JSON.parse(dry.stdout)
  t.match(plan, { dry_run: true, rootfs: [dropped], pins: ["other"], skipped: null })
  t.equal(plan.blobs.length, 3, "the other image's manifest, config and top layer; the shared busybox layer stays")
  t.ok(existsSync(join(box.dataDir, "addons", dropped, "rootfs")), "a dry run removes nothing")

  const gc = await box.flwd([":gc"])
  t.equal(gc.code, 0, gc.stderr)
  t.match(gc.stdout, /^removed 1 rootfs, 3 blobs and 1 pin; \d+(\.\d)? [kM]?B freed\n$/)
  t.same(readdirSync(join(box.dataDir, "addons")).filter((n) => n.startsWith("sha256:")), [kept])
  const again = await box.flwd([":gc", "--json"])
  t.match(JSON.parse(again.stdout), { rootfs: [], blobs: [], pins: [], freed_bytes: 0 })
  const plan2 = await box.flwd([":plan", "addon/hello-world", "--name", "Alice", "--json"])
  t.equal(plan2.code, 0, plan2.stderr)
  t.match(JSON.parse(plan2.stdout), { provenance: { digest: kept } }, "the referenced add-on still plans")
})
