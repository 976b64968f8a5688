/**
 * Sources declared in `flwd.yaml` are reconciled at every start: added,
 * updated, removed once no longer declared; sources added through the API
 * stay.
 */
import t from "tap"
import { cpSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { call, exampleTree, startEngine } from "../helpers/engine.ts"

function setup(t: Parameters<typeof exampleTree>[0]) {
  const tree = exampleTree(t)
  const file = join(tree.dir, "flwd.yaml")
  const declare = (sources: ReadonlyArray<string>) => writeFileSync(file, `data_dir: data\nroot: jobs\nsources:\n${sources.map((s) => `  - ${s}\n`).join("")}`)
  const start = () => startEngine(t, { config: file, allowedLocalRoots: [tree.dir] })
  return { ...tree, file, declare, start }
}

t.test("declared sources are added, kept, updated and removed; API sources stay", async (t) => {
  const s = setup(t)
  s.declare([
    `{ type: local, name: team, path: ${JSON.stringify(s.root)} }`,
    `{ type: fs, name: ops, path: ${JSON.stringify(join(s.root, "build-and-test"))} }`
  ])
  const first = await s.start()
  t.same(first.reconciled, { added: ["team", "ops"], updated: [], removed: [], unchanged: [], failed: [] })
  t.equal(first.settings.dataDir, join(s.dir, "data"), "data_dir is relative to the file")
  const team = await call(first, (e) => e.source("team"))
  t.equal(team.spec.declared, true, "the record says it was declared")
  t.ok((await call(first, (e) => e.jobs())).some((j) => j.id === "team/hello-world"))
  await call(first, (e) => e.addSource({ type: "local", name: "mine", path: s.root }))
  t.equal((await call(first, (e) => e.source("mine"))).spec.declared, undefined, "an API source is not declared")
  await first.dispose()

  const second = await s.start()
  t.same(second.reconciled, { added: [], updated: [], removed: [], unchanged: ["team", "ops"], failed: [] }, "nothing changed, nothing reloaded")
  await second.dispose()

  const one = join(s.dir, "one")
  cpSync(join(s.root, "hello-world"), join(one, "hello-world"), { recursive: true })
  s.declare([`{ type: local, name: team, path: ${JSON.stringify(one)} }`])
  const third = await s.start()
  t.same(third.reconciled, { added: [], updated: ["team"], removed: ["ops"], unchanged: [], failed: [] })
  const names = (await call(third, (e) => e.sources())).map((r) => r.name).sort()
  t.same(names, ["default", "mine", "team"], "the API source stays")
  t.equal((await call(third, (e) => e.source("team"))).job_count, 1)
  await third.dispose()

  s.declare([])
  const fourth = await s.start()
  t.same(fourth.reconciled?.removed, ["team"])
  t.same((await call(fourth, (e) => e.sources())).map((r) => r.name).sort(), ["default", "mine"])
})

t.test("a declared source that cannot load is reported; the engine starts", async (t) => {
  const s = setup(t)
  s.declare([`{ type: local, name: gone, path: ${JSON.stringify(join(s.dir, "missing"))} }`, `{ type: local, name: team, path: ${JSON.stringify(s.root)} }`])
  const engine = await s.start()
  t.same(engine.reconciled?.added, ["team"])
  t.match(engine.reconciled?.failed, [{ name: "gone", code: "source.invalid" }])
  t.ok((await call(engine, (e) => e.jobs())).some((j) => j.id === "team/hello-world"))
})

t.test("an API source later declared is adopted, then removed with its declaration", async (t) => {
  const s = setup(t)
  s.declare([])
  const one = await s.start()
  await call(one, (e) => e.addSource({ type: "local", name: "team", path: s.root }))
  await one.dispose()
  s.declare([`{ type: local, name: team, path: ${JSON.stringify(s.root)} }`])
  const two = await s.start()
  t.same(two.reconciled?.updated, ["team"], "re-added as declared")
  t.equal((await call(two, (e) => e.source("team"))).spec.declared, true)
  await two.dispose()
  s.declare([])
  const three = await s.start()
  t.same(three.reconciled?.removed, ["team"])
})
