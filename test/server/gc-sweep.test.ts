/**
 * The server's periodic sweep of unreferenced add-ons (what `flwd :gc`
 * does, on a timer).
 */
import t from "tap"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { defineSourcePlugin, Effect, Engine, sourceSpec } from "../../mod.ts"
import { sweepOnce } from "../../server/gc-sweep.ts"
import { engineFor, jobsRoot, spawnServer } from "./_helpers.ts"
import { untracked } from "../helpers/untracked.ts"

const orphan = `sha256:${"ab".repeat(32)}`

function plantOrphan(dataDir: string): string {
  const dir = join(dataDir, "addons", orphan)
  mkdirSync(join(dir, "rootfs", "bin"), { recursive: true })
  writeFileSync(join(dir, "rootfs", "bin", "tool"), "#!/bin/sh\n")
  return dir
}

t.test("sweepOnce() removes an unpacked add-on no source refers to", async (t) => {
  const dataDir = t.testdir()
  const engine = await engineFor(t, { dataDir })
  t.teardown(() => engine.dispose())
  const dir = plantOrphan(dataDir)
  const result = await sweepOnce(engine)
  const oci = result.plugins.find((p) => p.plugin === "oci")
  t.match(oci?.report, { removed: 1, details: { rootfs: [orphan], skipped: null } })
  t.ok(result.freedBytes > 0, "the freed bytes are counted")
  t.notOk(existsSync(dir))
})

t.test("sweepOnce() calls the gc hook of every plugin, built-in or not, with the engine's sources", async (t) => {
  const seen: Array<{ dataDir: string; sources: ReadonlyArray<string>; dryRun: boolean }> = []
  const keeper = defineSourcePlugin({
    type: "keeper",
    spec: sourceSpec("keeper", {}),
    gc: (ctx) =>
      Effect.sync(() => {
        seen.push({ dataDir: ctx.dataDir, sources: ctx.sources.map((s) => s.name), dryRun: ctx.dryRun })
        return { removed: 2, bytes: 10, details: { summary: "removed 2 keepsakes" } }
      }),
    make: Effect.succeed({ load: () => Effect.succeed({ root: jobsRoot, jobs: [], diagnostics: [], provenance: {} }) })
  })
  const dataDir = t.testdir()
  const engine = await engineFor(t, { dataDir, plugins: { sources: [keeper] } })
  t.teardown(() => engine.dispose())
  await engine.run(Effect.flatMap(Engine, (e) => e.addSource({ type: "keeper", name: "k" })))
  const result = await sweepOnce(engine)
  t.same(seen, [{ dataDir, sources: ["default", "k"], dryRun: false }])
  t.match(result.plugins.find((p) => p.plugin === "keeper"), { report: { removed: 2, bytes: 10 } })
  t.ok(result.plugins.some((p) => p.plugin === "oci"), "and the built-in oci collector")
})

t.test("the server with --gc-interval sweeps on a timer", async (t) => {
  const dataDir = t.testdir()
  const dir = plantOrphan(dataDir)
  const server = await spawnServer(["--root", jobsRoot, "--data-dir", dataDir, "--gc-interval", "100ms"], { FLWD_TOKENS: "all:*" })
  t.teardown(() => void server.child.kill("SIGKILL"))
  // Waits for the sweep to happen (bounded), asserting what it did, not when.
  for (let i = 0; i < 600 && existsSync(dir); i++) await new Promise((r) => setTimeout(r, 100))
  t.notOk(existsSync(dir), "the orphaned rootfs is gone")
  for (let i = 0; i < 100 && !server.stderr().includes("flwd: gc: removed"); i++) await new Promise((r) => setTimeout(r, 50))
  t.match(server.stderr(), "flwd: gc: removed 1 rootfs")
})

t.test("flwd :serve rejects a bad --gc-interval", async (t) => {
  const { spawnSync } = await import("node:child_process")
  const r = spawnSync(...untracked([process.execPath, "cli/main.ts", ":serve", "--gc-interval", "soon", "--data-dir", t.testdir()]), { encoding: "utf8" })
  t.equal(r.status, 2)
  t.match(r.stderr, "--gc-interval")
})
