/**
 * The git source over real git: bare repositories through `file://`, `git
 * daemon` and git's dumb HTTP transport on loopback.
 */
import t from "tap"
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Stream from "effect/Stream"
import type { EngineHandle, EngineOptions, RunEvent } from "../../../../mod.ts"
import { call, rejection, startEngine, tempDir } from "../../../helpers/engine.ts"
import { dumbHttp, gitDaemon, job, makeRepo } from "./_git.ts"

async function engineFor(t: Parameters<typeof tempDir>[0], dir: string, options: Partial<EngineOptions> = {}): Promise<EngineHandle> {
  return startEngine(t, { root: join(dir, "no-root"), dataDir: join(dir, "data"), allowedLocalRoots: [dir], ...options })
}

async function output(engine: EngineHandle, job: string): Promise<string> {
  const run = await call(engine, (e) => e.run({ job, args: {} }))
  const events: Array<RunEvent> = [...await call(engine, (e) => Stream.runCollect(e.runEvents(run.id)))]
  return events.filter((e) => e.type === "log").map((e) => String(e.data.line)).join("\n")
}

const trees = (dataDir: string) => {
  const base = join(dataDir, "git")
  return readdirSync(base).flatMap((d) => (existsSync(join(base, d, "trees")) ? readdirSync(join(base, d, "trees")) : []))
}

t.test("a file:// repository: jobs are exposed, pinned, planned and run", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  const commit = repo.commit({ ...Object.fromEntries(Object.entries(job("Greets", "hello from git")).map(([k, v]) => [`hello/${k}`, v])) })
  const engine = await engineFor(t, dir)
  const { source } = await call(engine, (e) => e.addSource({ type: "git", name: "team", url: repo.fileUrl, ref: "main" }))
  t.equal(source.status, "ready")
  t.equal(source.job_count, 1)
  t.match(source.provenance, { type: "git", url: repo.fileUrl, ref: "main", resolved: "refs/heads/main", commit, pull_policy: "on-add" })
  const jobs = await call(engine, (e) => e.jobs())
  t.ok(jobs.some((j) => j.id === "team/hello"), "the job is exposed under the source name")
  t.match(await output(engine, "team/hello"), /hello from git/)
  const decisions = await call(engine, (e) => e.journal({ after: 0, limit: 500 }))
  t.ok(decisions.some((e) => e.type === "policy.decision" && e.data.decision === "allow"), "the admission is journaled")
})

t.test("ref: a tag (annotated), a commit id, a path below the root; HEAD by default", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  const first = repo.commit({ "jobs/a/config.yaml": "command: ./run.sh\n", "jobs/a/run.sh": { text: "#!/bin/sh\necho a\n", mode: 0o755 } })
  repo.tag("v1")
  const second = repo.commit({ "jobs/b/config.yaml": "command: ./run.sh\n", "jobs/b/run.sh": { text: "#!/bin/sh\necho b\n", mode: 0o755 } })
  const engine = await engineFor(t, dir)
  const tagged = await call(engine, (e) => e.addSource({ type: "git", name: "tagged", url: repo.bare, ref: "v1", path: "jobs" }))
  t.equal(tagged.source.provenance.commit, first, "an annotated tag is peeled to its commit")
  t.equal(tagged.source.job_count, 1)
  const pinned = await call(engine, (e) => e.addSource({ type: "git", name: "pinned", url: repo.fileUrl, ref: first, path: "jobs" }))
  t.equal(pinned.source.provenance.commit, first)
  const head = await call(engine, (e) => e.addSource({ type: "git", name: "head", url: repo.fileUrl, path: "jobs" }))
  t.equal(head.source.provenance.commit, second)
  t.equal(head.source.provenance.ref, "HEAD")
  t.equal(head.source.job_count, 2)
})

t.test("a ref that does not exist is source.invalid naming ref", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  repo.commit(job("x", "x"))
  const engine = await engineFor(t, dir)
  const error = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "team", url: repo.fileUrl, ref: "no-such-branch" })))
  t.equal(error.code, "source.invalid")
  t.equal(error.status, 422)
  t.same(error.errors.map((f: { path: string }) => f.path), ["ref"])
  t.match(error.detail, /no-such-branch/)
  const missingCommit = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "team", url: repo.fileUrl, ref: "0".repeat(40) })))
  t.equal(missingCommit.code, "source.invalid", "a commit id that is not in the repository too")
  t.same(missingCommit.errors.map((f: { path: string }) => f.path), ["ref"])
  const sources = await call(engine, (e) => e.sources())
  t.notOk(sources.some((s) => s.name === "team"), "nothing was added")
})

t.test("URLs outside the allow-lists are source.not.allowed", async (t) => {
  const dir = tempDir(t)
  const inside = join(dir, "inside")
  const outside = tempDir(t, "flwd-outside-")
  const repo = makeRepo(outside)
  repo.commit(job("x", "x"))
  const engine = await engineFor(t, dir, { allowedLocalRoots: [inside] })
  for (
    const url of [repo.fileUrl, repo.bare, "https://git.example.invalid/team/jobs.git", "git@git.example.invalid:team/jobs.git", "git://127.0.0.1:9/jobs.git"]
  ) {
    const error = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "team", url })))
    t.equal(error.code, "source.not.allowed", url)
    t.equal(error.status, 403)
    t.same(error.errors.map((f: { path: string }) => f.path), ["url"])
  }
  const journal = await call(engine, (e) => e.journal({ after: 0, limit: 500 }))
  t.equal(journal.filter((e) => e.type === "policy.decision" && e.data.decision === "deny").length, 5, "each refusal is journaled")
  const listed = await engineFor(t, tempDir(t), { policy: { git: { allowed_paths: [outside] } } })
  const ok = await call(listed, (e) => e.addSource({ type: "git", name: "team", url: repo.fileUrl }))
  t.equal(ok.source.status, "ready", "git.allowed_paths admits a directory outside the local roots")
})

t.test("symlinks leading out of the checkout are refused", async (t) => {
  const dir = tempDir(t)
  const secret = join(tempDir(t, "flwd-secret-"), "secret")
  writeFileSync(secret, "#!/bin/sh\necho leaked\n", { mode: 0o755 })
  const repo = makeRepo(dir)
  repo.commit({
    ...Object.fromEntries(Object.entries(job("fine", "fine")).map(([k, v]) => [`ok/${k}`, v])),
    "linked-config/config.yaml": { link: "/etc/hostname" },
    "linked-dir": { link: "/etc" },
    "up": { link: "../../../../../.." },
    "escape/run.sh": { link: secret },
    "escape/config.yaml": "command: ./run.sh\n"
  })
  const engine = await engineFor(t, dir)
  const { source } = await call(engine, (e) => e.addSource({ type: "git", name: "links", url: repo.fileUrl }))
  const ids = (await call(engine, (e) => e.jobs())).map((j) => j.id).filter((id) => id.startsWith("links/"))
  t.same(ids, ["links/ok"], "only the job inside the checkout is exposed")
  t.ok(source.diagnostics.length >= 2, "each escaping link is reported")
  const viaPath = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "via-path", url: repo.fileUrl, path: "up" })))
  t.equal(viaPath.code, "source.invalid", "a path that is a link out of the checkout is refused")
  t.same(viaPath.errors.map((f: { path: string }) => f.path), ["path"])
})

t.test("git daemon: pull policy always re-resolves with ls-remote and fetches only a moved ref", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  repo.commit(Object.fromEntries(Object.entries(job("one", "v1")).map(([k, v]) => [`a/${k}`, v])))
  const daemon = await gitDaemon(dir)
  t.teardown(daemon.stop)
  const engine = await engineFor(t, dir, { policy: { git: { allowed_hosts: [`127.0.0.1:${daemon.port}`] } } })
  await call(engine, (e) => e.addSource({ type: "git", name: "live", url: daemon.url("jobs.git"), ref: "main", pull_policy: "always" }))
  t.match(await output(engine, "live/a"), /v1/)
  const before = trees(join(dir, "data"))
  await call(engine, (e) => e.plan({ job: "live/a", args: {} }))
  t.same(trees(join(dir, "data")), before, "an unchanged ref checks nothing out")
  const moved = repo.commit({ "a/run.sh": { text: "#!/bin/sh\necho v2\n", mode: 0o755 } })
  t.match(await output(engine, "live/a"), /v2/, "the next run uses the new commit")
  const source = await call(engine, (e) => e.source("live"))
  t.equal(source.provenance.commit, moved)
})

t.test("on-add serves the pinned commit after a restart without the repository; on-run re-resolves at first use", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  const first = repo.commit(Object.fromEntries(Object.entries(job("one", "v1")).map(([k, v]) => [`a/${k}`, v])))
  const one = await engineFor(t, dir)
  await call(one, (e) => e.addSource({ type: "git", name: "pinned", url: repo.fileUrl }))
  await call(one, (e) => e.addSource({ type: "git", name: "lazy", url: repo.fileUrl, pull_policy: "on-run" }))
  await one.dispose()
  const second = repo.commit({ "a/run.sh": { text: "#!/bin/sh\necho v2\n", mode: 0o755 } })

  // The repository is gone while the engine restarts: nothing may need it.
  renameSync(repo.bare, `${repo.bare}.away`)
  const offline = await engineFor(t, dir)
  const pinned = await call(offline, (e) => e.source("pinned"))
  t.equal(pinned.status, "ready", "restored from the checkout")
  t.equal(pinned.provenance.commit, first)
  t.match(await output(offline, "pinned/a"), /v1/)
  await offline.dispose()
  renameSync(`${repo.bare}.away`, repo.bare)

  const restarted = await engineFor(t, dir)
  t.equal((await call(restarted, (e) => e.source("lazy"))).provenance.commit, first, "a restart serves the pin")
  t.match(await output(restarted, "lazy/a"), /v2/, "the first use re-resolves")
  t.equal((await call(restarted, (e) => e.source("lazy"))).provenance.commit, second)
  repo.commit({ "a/run.sh": { text: "#!/bin/sh\necho v3\n", mode: 0o755 } })
  t.match(await output(restarted, "lazy/a"), /v2/, "once per process: later uses keep the commit")
  t.match(await output(restarted, "pinned/a"), /v1/, "on-add never re-resolves by itself")
})

t.test("credentials in a git URL are used, and masked in records, events, errors and the database", async (t) => {
  const dir = tempDir(t)
  const repo = makeRepo(dir)
  repo.commit(job("x", "x"))
  const password = "s3cret-t0ken-4711"
  const server = await dumbHttp(dir, { user: "robot", password })
  t.teardown(server.stop)
  const dataDir = join(dir, "data")
  const engine = await engineFor(t, dir, { policy: { git: { allowed_hosts: ["127.0.0.1"] } } })
  const url = server.url("jobs.git", `robot:${password}@`)
  const { source } = await call(engine, (e) => e.addSource({ type: "git", name: "private", url }))
  t.equal(source.status, "ready", "the server's credentials were accepted")
  t.equal(source.spec.url, server.url("jobs.git", "***@"))
  const failing = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "broken", url: server.url("missing.git", `robot:${password}@`) })))
  t.equal(failing.code, "source.failed")
  const wrongHost = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "other", url: `https://robot:${password}@elsewhere.invalid/x.git` })))
  t.equal(wrongHost.code, "source.not.allowed")
  const journal = await call(engine, (e) => e.journal({ after: 0, limit: 1000 }))
  const seen = JSON.stringify([
    source,
    await call(engine, (e) => e.sources()),
    journal,
    failing.detail,
    failing.errors,
    wrongHost.detail,
    String(failing.cause)
  ])
  t.notOk(seen.includes(password), "no record, event or error holds the password")
  t.ok(journal.some((e) => e.type === "source.added"))
  await engine.dispose()
  for (const file of ["flwd.db", "flwd.db-wal"]) {
    if (existsSync(join(dataDir, file))) t.notOk(readFileSync(join(dataDir, file)).includes(password), `${file} holds no password`)
  }
  const restarted = await engineFor(t, dir, { policy: { git: { allowed_hosts: ["127.0.0.1"] } } })
  const back = await call(restarted, (e) => e.refreshSource("private"))
  t.equal(back.status, "ready", "after a restart the checkout still reaches the server")
})

t.test("invalid specs name their field", async (t) => {
  const dir = tempDir(t)
  const engine = await engineFor(t, dir)
  for (
    const [spec, field] of [
      [{ url: "-upload-pack=evil" }, "url"],
      [{ url: "file:///x", ref: "--force" }, "ref"],
      [{ url: "file:///x", ref: "a..b" }, "ref"],
      [{ url: "file:///x", path: "../up" }, "path"],
      [{ url: "file:///x", pull_policy: "sometimes" }, "pull_policy"],
      [{ url: "ext::sh -c evil" }, "url"],
      [{ url: "file:///x", extra: 1 }, "extra"]
    ] as const
  ) {
    const error = await rejection(call(engine, (e) => e.addSource({ type: "git", name: "bad", ...spec })))
    t.equal(error.code, "source.invalid", JSON.stringify(spec))
    t.ok(error.errors.some((f: { path: string }) => f.path === field), `${JSON.stringify(spec)} names ${field}`)
  }
})
