/**
 * The SQLite store keeps a source's pin beside its record, decodes every
 * row with its Schema, and brings a data directory of an older flwd (schema
 * version 1, sources without pins) up to date without losing a source.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Context from "effect/Context"
import t from "tap"
import type { Test } from "tap"
import type { SourceRecord } from "../../../../core/mod.ts"
import { Store } from "../../../../core/engine/store.ts"
import { layer } from "../../../../plugins/stores/sqlite/mod.ts"
import { migrations, schemaVersion } from "../../../../plugins/stores/sqlite/_schema.ts"

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "flwd-sqlite-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function open(t: Test, path: string) {
  const runtime = ManagedRuntime.make(layer({ path }))
  t.teardown(() => runtime.dispose())
  const store: Context.Tag.Service<Store> = await runtime.runPromise(Store)
  return { store, close: () => runtime.dispose() }
}

const source = (name: string, extra: Partial<SourceRecord> = {}): SourceRecord => ({
  name,
  type: "oci",
  spec: { ref: "registry.example/acme/addon:1" },
  status: "ready",
  provenance: { resolved_digest: "sha256:aa" },
  error: null,
  job_count: 1,
  diagnostics: [],
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
  ...extra
})

t.test("a pin is stored beside its record and comes back with it", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const first = await open(t, path)
  await run(first.store.putSource(source("a", { pin: { digest: "sha256:aa", tag: "1" } })))
  await run(first.store.putSource(source("b")))
  await first.close()
  const second = await open(t, path)
  t.same(await run(second.store.getSource("a")), source("a", { pin: { digest: "sha256:aa", tag: "1" } }))
  t.same(await run(second.store.listSources()), [source("a", { pin: { digest: "sha256:aa", tag: "1" } }), source("b")])
  const db = new DatabaseSync(path)
  t.same(db.prepare("SELECT pin FROM sources ORDER BY name").all().map((r) => r.pin), ['{"digest":"sha256:aa","tag":"1"}', null])
  db.close()
})

t.test("a data directory of schema version 1 is migrated: its sources stay, without pins", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const old = new DatabaseSync(path)
  old.exec(migrations[0])
  old.exec("PRAGMA user_version = 1")
  old.prepare("INSERT INTO sources (name, record, updated_at) VALUES (?, ?, ?)").run("legacy", JSON.stringify(source("legacy")), "x")
  old.close()
  const { store } = await open(t, path)
  t.same(await run(store.listSources()), [source("legacy")])
  const db = new DatabaseSync(path)
  t.equal(db.prepare("PRAGMA user_version").get()?.user_version, schemaVersion)
  db.close()
})

t.test("a row that does not decode fails with store.failed naming it", async (t) => {
  const path = join(tempDir(t), "flwd.db")
  const { store } = await open(t, path)
  await run(store.putSource(source("good")))
  const db = new DatabaseSync(path)
  db.prepare("INSERT INTO sources (name, record, updated_at) VALUES (?, ?, ?)").run("bad", JSON.stringify({ name: "bad", status: "sideways" }), "x")
  db.close()
  const error = await run(Effect.flip(store.listSources()))
  t.match(error, { code: "store.failed", detail: /^listSources: source row bad does not decode: / })
})
