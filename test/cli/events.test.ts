/**
 * `flwd :events` with the real binary: the journal of runs as text lines
 * and as the API's event objects (NDJSON), filtered by run and type,
 * followed to a run's terminal event while another process runs it, and the
 * same lines from a real `flwd :serve` over `--remote`. Also: warnings a
 * result carries (an unsigned image admitted under `permissive`) go to
 * stderr, never into stdout.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { startRegistry } from "../helpers/registry.ts"
import { pushAddon } from "../plugins/sources/oci/_addon.ts"
import { collect, mainTs, ndjson, sandbox, waitForOutput } from "./_flwd.ts"
import { cleanEnv, remoteSandbox } from "./_remote.ts"
import { untracked } from "../helpers/untracked.ts"

// Several starts of the binary, a registry and a server on a loaded two-core machine.
t.setTimeout(600_000)

// One registry for the file, holding the unsigned image both warning tests add.
const registry = await startRegistry(t)
await pushAddon(registry.url, "example/addon", "1.0.0")

const runIdOf = (stdout: string): string => ndjson(stdout)[0].run_id as string

t.test(":events lists a run's events, as text and as NDJSON; --run and --type filter", async (t) => {
  const box = sandbox(t)
  const first = await box.flwd(["hello-world", "--name", "A", "--json"])
  t.equal(first.code, 0, first.stderr)
  const second = await box.flwd(["hello-world", "--name", "B", "--json"])
  t.equal(second.code, 0, second.stderr)
  const [a, b] = [runIdOf(first.stdout), runIdOf(second.stdout)]

  const all = await box.flwd([":events", "--json"])
  t.equal(all.code, 0, all.stderr)
  const events = ndjson(all.stdout)
  for (const e of events) t.same(Object.keys(e).sort(), ["at", "data", "id", "run_id", "type"], "each line is the API's event object")
  t.same(events.map((e) => e.id), [...events.map((e) => e.id)].sort((x, y) => x - y), "in journal order")
  for (const id of [a, b]) {
    const types = events.filter((e) => e.run_id === id).map((e) => e.type)
    t.ok(types.includes("run.started") && types.at(-1) === "run.finished", `run ${id}: ${types.join(" ")}`)
  }
  t.same(ndjson(first.stdout).map((e) => e.id), events.filter((e) => e.run_id === a).map((e) => e.id), "the run's own events, as the run printed them")

  const onlyA = await box.flwd([":events", "--json", "--run", a])
  t.equal(onlyA.code, 0, onlyA.stderr)
  t.same(ndjson(onlyA.stdout).map((e) => e.run_id), events.filter((e) => e.run_id === a).map(() => a))

  const finished = await box.flwd([":events", "--type", "run.finished"])
  t.equal(finished.code, 0, finished.stderr)
  const lines = finished.stdout.trimEnd().split("\n")
  t.equal(lines.length, 2, finished.stdout)
  t.match(lines[0], new RegExp(`^\\d\\d:\\d\\d:\\d\\d  run\\.finished  ${a}  exit 0$`))
  t.match(lines[1], new RegExp(`^\\d\\d:\\d\\d:\\d\\d  run\\.finished  ${b}  exit 0$`))

  const unknownRun = await box.flwd([":events", "--run", "nope"])
  t.equal(unknownRun.code, 1)
  t.match(unknownRun.stderr, /^flwd: run\.not\.found: /)
  const badType = await box.flwd([":events", "--type", "run.done"])
  t.equal(badType.code, 2)
  t.match(badType.stderr, /unknown event type run\.done/)
})

t.test(":events --follow --run streams a run another process runs and ends at its terminal event", async (t) => {
  const box = sandbox(t)
  const runner = box.start(["slow", "--json"])
  runner.stdin?.end()
  const ran = collect(runner)
  const id = /"run_id":"([^"]+)"/.exec(await waitForOutput(runner, /"run_id":"[^"]+"/))![1]
  await waitForOutput(runner, "slow-started")

  const follower = box.start([":events", "--follow", "--run", id, "--json"])
  follower.stdin?.end()
  const followed = collect(follower)
  await waitForOutput(follower, "slow-started")
  runner.kill("SIGINT")
  t.equal((await ran).code, 130)
  const result = await followed
  t.equal(result.code, 0, result.stderr)
  const types = ndjson(result.stdout).map((e) => e.type)
  t.equal(types[0], "run.queued", types.join(" "))
  t.equal(types.at(-1), "run.canceled", "the follow ends at the run's terminal event")
})

t.test(":events over --remote prints what the local engine prints; --follow --run ends there too", async (t) => {
  const remote = await remoteSandbox(t)
  const ran = await remote.remote("hello-world", "--name", "A", "--json")
  t.equal(ran.code, 0, ran.stderr)
  const id = runIdOf(ran.stdout)
  const json = await remote.same(t, [":events", "--json", "--run", id])
  t.equal(ndjson(json.stdout).at(-1)?.type, "run.finished")
  await remote.same(t, [":events", "--type", "run.finished"])
  const followed = await remote.remote(":events", "--follow", "--run", id, "--json")
  t.equal(followed.code, 0, followed.stderr)
  t.same(followed.stdout, json.stdout, "following a finished run prints its events and ends")
})

t.test("under permissive, adding and running an unsigned image print the warning on stderr, not stdout", async (t) => {
  const box = sandbox(t)
  const ref = `${registry.host}/example/addon:1.0.0`
  const added = await box.flwd(["--profile", "permissive", ":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref, "--trusted"])
  t.equal(added.code, 0, added.stderr)
  t.match(added.stderr, /^warning: addon: warn image\.signature\.unverified \S+@sha256:[0-9a-f]{64}: no signature found/m)
  t.notMatch(added.stdout, /warn/)

  const run = await box.flwd(["--profile", "permissive", "addon/hello-world", "--name", "A"])
  t.match(run.stderr, /^warning: addon\/hello-world: image \S+ is not verified \(no signature found/m, run.stderr)
  t.notMatch(run.stdout, /not verified/)
  const json = await box.flwd(["--profile", "permissive", "addon/hello-world", "--name", "A", "--json"])
  t.match(json.stderr, /^warning: addon\/hello-world: image \S+ is not verified/m, "also under --json, where stdout stays NDJSON")
  for (const e of ndjson(json.stdout)) t.type(e.type, "string")
})

t.test("over --remote, a permissive server's warning about an unsigned image is printed on stderr too", async (t) => {
  const box = sandbox(t)
  const server = spawn(
    ...untracked([
      process.execPath,
      mainTs,
      "--profile",
      "permissive",
      ":serve",
      "--dev",
      "--bind",
      "127.0.0.1:0",
      "--root",
      box.root,
      "--data-dir",
      box.dataDir
    ]),
    {
      cwd: box.cwd,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  const exited = collect(server)
  t.teardown(async () => {
    server.kill("SIGTERM")
    await exited
  })
  const url = /flwd listening on (http:\/\/\S+)/.exec(await waitForOutput(server, /flwd listening on http:\/\/\S+\n/))![1]
  const ref = `${registry.host}/example/addon:1.0.0`
  const child = spawn(
    ...untracked([
      process.execPath,
      mainTs,
      "--remote",
      url,
      "--token",
      "dev-token",
      ":sources",
      "add",
      "--type",
      "oci",
      "--name",
      "addon",
      "--ref",
      ref,
      "--trusted"
    ]),
    {
      cwd: box.cwd,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  const added = await collect(child)
  t.equal(added.code, 0, added.stderr)
  t.match(added.stderr, /^warning: addon: warn image\.signature\.unverified \S+@sha256:[0-9a-f]{64}: no signature found/m)
  t.notMatch(added.stdout, /warn/)
})
