/**
 * Job ids in shell completion come from a cache in the data directory
 * while nothing they depend on has changed: a second Tab starts no engine
 * (seen by a module hook on the real binary: no Effect loaded), and a job
 * added, removed or broken, or a source added, shows at the next Tab.
 */
import t, { type Test } from "tap"
import { spawn } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { binJs, collect, repo, type Sandbox, sandbox } from "./_flwd.ts"
import { untracked } from "../helpers/untracked.ts"

t.setTimeout(300_000)

const hook = join(repo, "test/cli/_module-log.ts")

/** The job ids `flwd :complete -- :plan <prefix>` offers, in-process. */
async function offered(t: Test, box: Sandbox, prefix = ""): Promise<Array<string>> {
  const r = await box.flwd([":complete", "--", ":plan", prefix])
  t.equal(r.code, 0, r.stderr)
  return r.stdout.split("\n").filter((l) => l !== "")
}

function addJob(box: Sandbox, id: string, config = "summary: Added\ncommand: ./run.sh\n"): void {
  const dir = join(box.root, id)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "run.sh"), "#!/bin/sh\necho added\n")
  chmodSync(join(dir, "run.sh"), 0o755)
  writeFileSync(join(dir, "config.yaml"), config)
}

/** Completes `:plan hel` with the real binary; resolves to what it printed and whether it started the engine. */
async function tab(box: Sandbox): Promise<{ stdout: string; engine: boolean }> {
  const log = join(box.cwd, `modules-${Math.random().toString(36).slice(2)}.log`)
  const child = spawn(...untracked([process.execPath, "--import", hook, binJs, "--data-dir", box.dataDir, ":complete", "--", ":plan", "hel"]), {
    cwd: box.cwd,
    // As a shell would start it: without the test runner's NODE_OPTIONS loaders.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, FLWD_TEST_MODULE_LOG: log },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const r = await collect(child)
  const modules = readFileSync(log, "utf8").split("\n")
  return { stdout: r.stdout, engine: modules.some((m) => /node_modules\/effect\/|\/create-engine\.ts$/.test(m)) }
}

t.test("a second Tab answers job ids from the cache without loading Effect", async (t) => {
  const box = sandbox(t)
  t.ok((await offered(t, box)).includes("hello-world"))
  t.ok(existsSync(join(box.dataDir, "cache", "completion-job-ids.json")), "the listing was cached")
  t.same(await tab(box), { stdout: "hello-world\n", engine: false }, "no engine started")
})

t.test("the Tab after a run, :jobs or a source added is still answered from the cache", async (t) => {
  const box = sandbox(t)
  t.ok((await offered(t, box)).includes("hello-world"))
  const ran = await box.flwd(["hello-world", "--name", "Tab"])
  t.equal(ran.code, 0, ran.stderr)
  t.same(await tab(box), { stdout: "hello-world\n", engine: false }, "after a run: a run changes no source")
  t.equal((await box.flwd([":jobs"])).code, 0)
  t.same(await tab(box), { stdout: "hello-world\n", engine: false }, "after :jobs")
  const other = join(box.cwd, "other", "hello-there")
  mkdirSync(other, { recursive: true })
  writeFileSync(join(other, "config.yaml"), "summary: Elsewhere\ncommand: ./run.sh\n")
  writeFileSync(join(other, "run.sh"), "#!/bin/sh\n", { mode: 0o755 })
  t.equal((await box.flwd([":sources", "add", "--type", "local", "--name", "hel", "--path", join(box.cwd, "other")])).code, 0)
  const after = await tab(box)
  t.same(
    { ids: after.stdout.split("\n").filter((l) => l !== "").sort(), engine: after.engine },
    { ids: ["hel/hello-there", "hello-world"], engine: false },
    "after :sources add, with its jobs"
  )
})

t.test("a job added, broken or removed, and a source added, show at the next Tab", async (t) => {
  const box = sandbox(t)
  t.notOk((await offered(t, box)).includes("team/added"))
  addJob(box, "team/added")
  t.ok((await offered(t, box)).includes("team/added"), "a new job directory")
  writeFileSync(join(box.root, "team/added/config.yaml"), "summary: [unclosed\n")
  t.notOk((await offered(t, box)).includes("team/added"), "a config.yaml that no longer parses")
  rmSync(join(box.root, "team"), { recursive: true })
  t.notOk((await offered(t, box)).includes("team/added"), "a removed job")
  const other = join(box.cwd, "other")
  mkdirSync(join(other, "extra"), { recursive: true })
  writeFileSync(join(other, "extra", "config.yaml"), "summary: Elsewhere\ncommand: ./run.sh\n")
  writeFileSync(join(other, "extra", "run.sh"), "#!/bin/sh\n")
  chmodSync(join(other, "extra", "run.sh"), 0o755)
  const added = await box.flwd([":sources", "add", "--type", "local", "--name", "more", "--path", other])
  t.equal(added.code, 0, added.stderr)
  t.ok((await offered(t, box)).includes("more/extra"), "a source added to the data directory")
})

t.test("another root on the command line is another listing", async (t) => {
  const box = sandbox(t)
  t.ok((await offered(t, box)).includes("hello-world"))
  const empty = join(box.cwd, "empty")
  mkdirSync(empty)
  addJob(box, "../empty/only")
  const r = await box.flwd([":complete", "--", "--root", empty, ":plan", ""])
  t.same(r.stdout.split("\n").filter((l) => l !== ""), ["only"])
})
