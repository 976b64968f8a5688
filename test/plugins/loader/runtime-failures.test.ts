/**
 * A loaded plugin failing at runtime (throwing, dying, rejecting, hanging,
 * returning invalid jobs) fails its own source with source.plugin.failed;
 * the engine and every other source keep working.
 */
import t from "tap"
import { writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { call, exampleTree, rejection, startEngine } from "../../helpers/engine.ts"

const plugin = resolve(import.meta.dirname, "fixtures", "controlled-source.ts")

function setup(t: Parameters<typeof exampleTree>[0]) {
  const tree = exampleTree(t)
  const control = join(tree.dir, "mode")
  const start = () =>
    startEngine(t, { root: tree.root, dataDir: tree.dataDir, allowedLocalRoots: [tree.dir], pluginModules: [plugin], pluginTimeoutMs: 300, config: false })
  return { ...tree, control, start, mode: (m: string) => writeFileSync(control, m) }
}

t.test("adding a source whose plugin fails is source.plugin.failed; the rest keeps working", async (t) => {
  const s = setup(t)
  const engine = await s.start()
  for (
    const [mode, detail] of [
      ["throw", /discovery exploded/],
      ["defect", /a defect in discovery/],
      ["reject", /rejected in discovery/],
      ["hang", /neither finished nor reported progress within/],
      ["invalid", /returned invalid jobs \(broken\)/]
    ] as const
  ) {
    s.mode(mode)
    const error = await rejection(call(engine, (e) => e.addSource({ type: "controlled", name: `c-${mode}`, control: s.control })))
    t.equal(error.code, "source.plugin.failed", mode)
    t.equal(error.status, 502)
    t.match(error.detail, detail, mode)
    const plan = await call(engine, (e) => e.plan({ job: "hello-world", args: { name: "A" } }))
    t.equal(plan.job_id, "hello-world", `the engine still plans after ${mode}`)
  }
  const invalid = await rejection((s.mode("invalid"), call(engine, (e) => e.addSource({ type: "controlled", name: "c", control: s.control }))))
  t.ok(invalid.errors.some((f: { path: string }) => f.path.startsWith("jobs.1")), "the invalid fields are listed")
  s.mode("ok")
  const ok = await call(engine, (e) => e.addSource({ type: "controlled", name: "c-ok", control: s.control }))
  t.equal(ok.source.status, "ready")
})

t.test("a plugin that fails on restart leaves its source failed and starts the engine", async (t) => {
  const s = setup(t)
  s.mode("ok")
  const first = await s.start()
  await call(first, (e) => e.addSource({ type: "controlled", name: "ctl", control: s.control }))
  await call(first, (e) => e.addSource({ type: "local", name: "other", path: s.root }))
  await first.dispose()
  for (const mode of ["hang", "throw", "invalid"]) {
    s.mode(mode)
    const engine = await s.start()
    const source = await call(engine, (e) => e.source("ctl"))
    t.equal(source.status, "failed", mode)
    t.equal(source.error?.code, "source.plugin.failed", mode)
    t.equal((await call(engine, (e) => e.source("other"))).status, "ready", `the other source is ready after ${mode}`)
    t.ok((await call(engine, (e) => e.jobs())).some((j) => j.id === "other/hello-world"))
    const journal = await call(engine, (e) => e.journal({ after: 0, limit: 1000 }))
    t.ok(journal.some((e) => e.type === "source.failed" && e.data.name === "ctl" && e.data.code === "source.plugin.failed"), "source.failed is journaled")
    await engine.dispose()
  }
})
