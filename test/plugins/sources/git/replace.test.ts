/**
 * A git source replaced by a state of the same commit (a refresh with no
 * new commit, an `always` re-resolve, the same spec added again) keeps its
 * files: the engine releases the replaced state, and that must not remove
 * the worktree the new state serves. A real repository, the real git CLI.
 */
import t from "tap"
import { join } from "node:path"
import * as Stream from "effect/Stream"
import type { EngineHandle, RunEvent } from "../../../../mod.ts"
import { call, startEngine, tempDir } from "../../../helpers/engine.ts"
import { job, makeRepo } from "./_git.ts"

async function output(engine: EngineHandle, id: string): Promise<string> {
  const run = await call(engine, (e) => e.run({ job: id, args: {} }))
  const events: Array<RunEvent> = [...await call(engine, (e) => Stream.runCollect(e.runEvents(run.id)))]
  return events.filter((e) => e.type === "log").map((e) => String(e.data.line)).join("\n")
}

t.test("refreshing or re-adding a git source at the same commit keeps its jobs runnable", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  const commit = repo.commit(Object.fromEntries(Object.entries(job("Greets", "hello from git")).map(([k, v]) => [`hello/${k}`, v])))
  const engine = await startEngine(t, { root: join(dir, "no-root"), dataDir: join(dir, "data"), allowedLocalRoots: [dir] })
  const spec = { type: "git", name: "team", url: repo.fileUrl, ref: "main" }
  await call(engine, (e) => e.addSource(spec))
  t.match(await output(engine, "team/hello"), /hello from git/)

  t.match(await call(engine, (e) => e.refreshSource("team")), { status: "ready", provenance: { commit } })
  t.match(await output(engine, "team/hello"), /hello from git/, "after a refresh that found the same commit")

  await call(engine, (e) => e.addSource(spec))
  t.match(await output(engine, "team/hello"), /hello from git/, "after the same spec was added again")

  await call(engine, (e) => e.addSource({ ...spec, pull_policy: "always" }))
  t.match(await output(engine, "team/hello"), /hello from git/, "and with always, which re-resolves before each run")
  t.match(await output(engine, "team/hello"), /hello from git/)
})
