/**
 * @module
 * The package as a user gets it: `npm pack` from this checkout, installed
 * globally into a temporary prefix and into a temporary project, then the
 * installed `flwd` run (`--version`, `:jobs`, a plugin that imports
 * `flwd`), a program embedding `flwd` run without any warning, and the one
 * line an older Node prints. Slow (a build, a pack and two installs), so
 * every check shares the one tarball.
 */
import t from "tap"
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, resolve } from "node:path"
import { startRegistry } from "../helpers/registry.ts"
import { pushAddon, testPolicy, writePolicyFile } from "../plugins/sources/oci/_addon.ts"

const repo = resolve(import.meta.dirname, "../..")
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version

// Pack, two installs and a cold start of the installed CLI on a busy
// 2-core machine.
t.setTimeout(15 * 60_000)

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * The environment of a user's shell: this Node (24) first on PATH, or the
 * given one; nothing of tap's (its NODE_OPTIONS would also silence
 * warnings) nor of flwd's.
 */
function userEnv(nodeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key === "NODE" || /^(_?TAP|FLWD_|npm_)/.test(key)) continue
    env[key] = value
  }
  env.PATH = [nodeDir, ...(process.env.PATH ?? "").split(delimiter)].join(delimiter)
  return env
}

const node24 = dirname(process.execPath)

function run(command: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Result> {
  return new Promise((resolveRun, reject) => {
    // Through env(1): tap's process tracking puts its loader into the
    // NODE_OPTIONS of every child it sees spawned, which would load it into
    // npm, the compiler and flwd too.
    const child = spawn("env", ["-u", "NODE_OPTIONS", command, ...args], {
      cwd: options.cwd,
      env: options.env ?? userEnv(node24),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => stdout += d)
    child.stderr.setEncoding("utf8").on("data", (d: string) => stderr += d)
    child.on("error", reject)
    child.on("close", (code) => resolveRun({ code, stdout, stderr }))
  })
}

const npmFlags = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]

const tmp = mkdtempSync(join(tmpdir(), "flwd-pkg-"))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

/** Runs a set-up step, failing the whole file with its output when it fails. */
async function step(what: string, command: string, args: ReadonlyArray<string>, cwd: string): Promise<void> {
  const r = await run(command, args, { cwd })
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.stderr}${r.stdout}`)
}

const tarball = join(tmp, `flwd-${version}.tgz`)
const prefix = join(tmp, "global")
const flwd = join(prefix, "bin", "flwd")
const project = join(tmp, "project")

t.before(async () => {
  await step("npm pack", "npm", ["pack", "--pack-destination", tmp, "--loglevel=error"], repo)
  if (!readdirSync(tmp).includes(`flwd-${version}.tgz`)) throw new Error(`npm pack wrote no flwd-${version}.tgz`)
  await step("npm install -g", "npm", ["install", "-g", "--prefix", prefix, tarball, ...npmFlags], tmp)
  mkdirSync(project)
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-flwd", private: true, type: "module" }))
  await step(`npm install ./flwd-${version}.tgz`, "npm", ["install", tarball, ...npmFlags], project)
})

// A small job tree outside the checkout.
const tree = join(tmp, "jobs")
mkdirSync(join(tree, "hello"), { recursive: true })
writeFileSync(join(tree, "hello", "config.yaml"), "name: Hello\nsummary: Says hello\ncommand: [echo, hello]\n")

t.test("the installed flwd prints its version", async (t) => {
  const r = await run(flwd, ["--version"], { cwd: tmp })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout.trim(), `flwd ${version}`)
  t.equal(r.stderr, "")
})

t.test("the installed flwd lists a tree's jobs", async (t) => {
  const r = await run(flwd, [":jobs", "--root", tree, "--data-dir", join(tmp, "data-jobs"), "--json"], { cwd: tmp })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /"hello"/)
  t.notMatch(r.stderr, /Warning/, "no warning on stderr")
})

t.test("the installed flwd runs a job, adds an add-on (unpacked by the bundle's worker) and runs its job in the image", async (t) => {
  const registry = await startRegistry(t)
  await pushAddon(registry.url, "example/addon", "1.0.0")
  const dir = join(tmp, "addon-work")
  mkdirSync(dir)
  const common = ["--root", tree, "--data-dir", join(tmp, "data-addon"), "--policy", writePolicyFile(dir, testPolicy(registry.host))]
  const hello = await run(flwd, [...common, "hello"], { cwd: dir })
  t.equal(hello.code, 0, hello.stderr)
  t.equal(hello.stdout, "hello\n")
  const ref = `${registry.host}/example/addon:1.0.0`
  const added = await run(flwd, [...common, ":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref, "--trusted", "--json"], { cwd: dir })
  t.equal(added.code, 0, added.stderr)
  t.match(JSON.parse(added.stdout.trim().split("\n").at(-1)!), { name: "addon", status: "ready", job_count: 1 })
  const ran = await run(flwd, [...common, "addon/hello-world", "--name", "Alice"], { cwd: dir })
  t.equal(ran.code, 0, ran.stderr)
  t.equal(ran.stdout, "Hello, Alice! from the add-on image\n", "printed from inside the image")
})

t.test("the installed flwd serves the API and the console's assets", async (t) => {
  const child = spawn("env", ["-u", "NODE_OPTIONS", flwd, ":serve", "--bind", "127.0.0.1:0", "--dev", "--root", tree, "--data-dir", join(tmp, "data-serve")], {
    cwd: tmp,
    env: userEnv(node24),
    stdio: ["ignore", "pipe", "pipe"]
  })
  t.teardown(() => void child.kill("SIGKILL"))
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (d: string) => stderr += d)
  const base = await new Promise<string>((resolveUrl, reject) => {
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) resolveUrl(m[1])
    })
    child.on("close", (code) => reject(new Error(`flwd :serve exited with ${code}: ${stderr}`)))
  })
  const health = await fetch(`${base}/healthz`)
  t.equal(health.status, 200)
  t.match(await health.json(), { version })
  const css = await fetch(`${base}/ui/assets/console.css`)
  t.equal(css.status, 200, "the assets are read beside the bundle")
  t.match(css.headers.get("content-type"), /text\/css/)
  const jobs = await fetch(`${base}/jobs`, { headers: { authorization: "Bearer dev-token" } })
  t.equal(jobs.status, 200)
  t.match(await jobs.text(), /"hello"/)
})

t.test("a plugin outside the checkout imports flwd and the installed CLI loads it", async (t) => {
  const shared = join(tmp, "shared")
  mkdirSync(join(shared, "greet"), { recursive: true })
  writeFileSync(join(shared, "greet", "config.yaml"), "name: Greet\nsummary: Greets\ncommand: [echo, hi]\n")
  writeFileSync(
    join(project, "shared-dir.mjs"),
    `
import { defineSourcePlugin, discoverJobTreeEffect, Effect, provenance, Schema, sourceSpec } from "flwd"
export default defineSourcePlugin({
  type: "shared-dir",
  spec: sourceSpec("shared-dir", { dir: Schema.String }),
  make: Effect.succeed({
    load: (spec) => Effect.gen(function*() {
      const tree = yield* discoverJobTreeEffect(spec.dir)
      return { root: spec.dir, jobs: tree.jobs, diagnostics: tree.diagnostics, provenance: provenance({ type: "shared-dir", dir: spec.dir }) }
    })
  })
})
`
  )
  const common = ["--plugin", "./shared-dir.mjs", "--root", tree, "--data-dir", join(tmp, "data-plugin"), "--profile", "permissive"]
  const added = await run(flwd, [...common, ":sources", "add", "--type", "shared-dir", "--name", "team", "--set", `dir=${shared}`], { cwd: project })
  t.equal(added.code, 0, added.stderr)
  const jobs = await run(flwd, [...common, ":jobs", "--json"], { cwd: project })
  t.equal(jobs.code, 0, jobs.stderr)
  t.match(jobs.stdout, /team\/greet/)
})

t.test("a program embedding flwd sees no ExperimentalWarning", async (t) => {
  writeFileSync(
    join(project, "embed.mjs"),
    `
import { createEngine, Effect, Engine } from "flwd"
const engine = await createEngine({ root: ${JSON.stringify(tree)}, dataDir: ${JSON.stringify(join(tmp, "data-embed"))} })
const jobs = await engine.run(Effect.flatMap(Engine, (e) => e.jobs()))
console.log(jobs.map((j) => j.id).join(","))
await engine.dispose()
`
  )
  const r = await run("node", ["embed.mjs"], { cwd: project })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout.trim(), "hello")
  t.equal(r.stderr, "", "nothing on stderr")
})

t.test("an older Node gets one line naming the version flwd needs", async (t) => {
  // The system's Node, whichever on PATH is older than 24; the check must
  // not pass by finding none.
  const found = execFileSync("which", ["-a", "node"], { encoding: "utf8" }).split("\n").filter((p) => p !== "")
  const old = found.find((p) =>
    Number(execFileSync(p, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8", env: userEnv(dirname(p)) }).trim()) < 24
  )
  t.ok(old, `a Node older than 24 on PATH (found ${found.join(", ")})`)
  if (old === undefined) return
  const oldVersion = execFileSync(old, ["--version"], { encoding: "utf8" }).trim()
  const r = await run(flwd, ["--version"], { cwd: tmp, env: userEnv(dirname(old)) })
  t.equal(r.code, 1)
  t.equal(r.stdout, "")
  t.equal(r.stderr, `flwd needs Node.js 24 or newer (this is ${oldVersion})\n`)
})
