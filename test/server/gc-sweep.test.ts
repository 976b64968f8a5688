/**
 * The server's periodic sweep of unreferenced add-ons (what `flwd :gc`
 * does, on a timer).
 */
import t from "tap"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { sweepOnce } from "../../server/gc-sweep.ts"
import { engineFor, jobsRoot, spawnServer } from "./_helpers.ts"

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
  t.same(result.rootfs, [orphan])
  t.equal(result.skipped, null)
  t.notOk(existsSync(dir))
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
  const r = spawnSync(process.execPath, ["cli/main.ts", ":serve", "--gc-interval", "soon", "--data-dir", t.testdir()], { encoding: "utf8" })
  t.equal(r.status, 2)
  t.match(r.stderr, "--gc-interval")
})
