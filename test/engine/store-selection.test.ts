/**
 * Choosing the store: `--store`, `FLWD_STORE` or `store:` in `flwd.yaml`.
 * SQLite in the data directory stays the default; a `postgres://` URL puts
 * the state in a real PostgreSQL (a throwaway cluster for this file); any
 * other value is `config.invalid` naming `store`, before anything is written.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { sandbox } from "../cli/_flwd.ts"
import { startPostgres } from "../helpers/postgres.ts"
import { call, exampleTree, rejection, startEngine } from "../helpers/engine.ts"

t.setTimeout(600_000)

t.test("a bad store is config.invalid naming store, from the option, FLWD_STORE and flwd.yaml", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const fromOption = await rejection(startEngine(t, { root, dataDir, config: false, store: "mysql://db/flwd" }))
  t.match(fromOption, { code: "config.invalid", errors: [{ path: "store" }] })
  const fromEnv = await rejection(startEngine(t, { root, dataDir, config: false, env: { FLWD_STORE: "postgres://db/flwd?search_path=x" } }))
  t.match(fromEnv, { code: "config.invalid", errors: [{ path: "store" }] })
  writeFileSync(join(dir, "flwd.yaml"), "store: 42\n")
  const fromFile = await rejection(startEngine(t, { root, dataDir, config: join(dir, "flwd.yaml") }))
  t.match(fromFile, { code: "config.invalid", errors: [{ path: "store" }] })
  t.notOk(existsSync(join(dataDir, "flwd.db")), "nothing written")
})

t.test("the CLI's --store: a bad value is a problem naming store", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["--store", "redis://x", ":sources", "--json"])
  t.not(r.code, 0)
  const problem = JSON.parse(r.stderr.trim().split("\n").at(-1)!)
  t.match(problem, { code: "config.invalid", errors: [{ path: "store" }] })
  t.notOk(existsSync(join(box.dataDir, "flwd.db")))
})

t.test("a postgres:// store holds the sources instead of the data directory's SQLite", async (t) => {
  const pg = await startPostgres(t)
  const box = sandbox(t)
  const url = pg.url
  const added = await box.flwd(["--store", url, ":sources", "add", "--type", "local", "--name", "mine", "--path", box.root, "--json"])
  t.equal(added.code, 0, added.stderr)
  t.notOk(existsSync(join(box.dataDir, "flwd.db")), "no SQLite file in the data directory")
  t.match(pg.psql("select name from flwd.sources"), /\bmine\b/, "the record is in PostgreSQL")

  // The same state through FLWD_STORE and through flwd.yaml's store:.
  const listed = await box.flwd([":sources", "--json"], { env: { FLWD_STORE: url } })
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.stdout, /"mine"/)
  writeFileSync(join(box.cwd, "flwd.yaml"), `store: ${JSON.stringify(url)}\n`)
  const viaFile = await box.flwd([":sources", "--json"])
  t.equal(viaFile.code, 0, viaFile.stderr)
  t.match(viaFile.stdout, /"mine"/)
  t.notOk(existsSync(join(box.dataDir, "flwd.db")))

  // An engine on another data directory, running while the CLI adds a source, serves it: one state in the database.
  const other = await startEngine(t, { root: box.root, dataDir: join(box.cwd, "other-data"), config: false, store: url, allowedLocalRoots: [box.cwd] })
  const more = await box.flwd([":sources", "add", "--type", "local", "--name", "more", "--path", box.root])
  t.equal(more.code, 0, more.stderr)
  const names = (await call(other, (e) => e.sources())).map((r) => r.name)
  t.ok(names.includes("more"), names.join(", "))
  t.ok((await call(other, (e) => e.jobs())).some((j) => j.id.startsWith("more/")), "and its jobs")
})

t.test("a bad node lease is config.invalid naming node_lease, from the option, FLWD_NODE_LEASE and flwd.yaml", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const fromOption = await rejection(startEngine(t, { root, dataDir, config: false, nodeLease: "10ms" }))
  t.match(fromOption, { code: "config.invalid", errors: [{ path: "node_lease" }] })
  const fromEnv = await rejection(startEngine(t, { root, dataDir, config: false, env: { FLWD_NODE_LEASE: "soon" } }))
  t.match(fromEnv, { code: "config.invalid", errors: [{ path: "node_lease" }] })
  writeFileSync(join(dir, "flwd.yaml"), "node_lease: 2h\n")
  const fromFile = await rejection(startEngine(t, { root, dataDir, config: join(dir, "flwd.yaml") }))
  t.match(fromFile, { code: "config.invalid", errors: [{ path: "node_lease" }] })
  t.notOk(existsSync(join(dataDir, "flwd.db")), "nothing written")
})
