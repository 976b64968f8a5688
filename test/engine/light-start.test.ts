/**
 * A start loads what it uses. An engine with a `flwd.yaml` that declares a
 * local source imports no plugin implementation it does not build (the OCI
 * and git sources, the sandbox) and none of the libraries behind them
 * (undici, sigstore); an engine that builds no plugin at all (the root
 * tree only, as `flwd :jobs` or a local run) imports no platform service
 * module either (`@effect/platform-node`, the HTTP client): plugins are
 * built at first use, and so is what they build with.
 *
 * The modules are those a real process resolves, recorded by a module hook
 * in a child process that starts the engine as the CLI and the server do
 * (`engine/create-engine.ts`; the package root also offers the add-on
 * authoring tools, which an embedding program loads by importing it).
 */
import t from "tap"
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { exampleTree, repo } from "../helpers/engine.ts"
import { untracked } from "../helpers/untracked.ts"

/** Starts an engine in a child process and returns every module URL it resolved. */
function modulesOfStart(options: Record<string, unknown>, job: string): Array<string> {
  const script = `
    import { registerHooks } from "node:module"
    const seen = new Set()
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r } })
    const { createEngine } = await import(${JSON.stringify(pathToFileURL(join(repo, "engine", "create-engine.ts")).href)})
    const { Effect, Engine } = await import(${JSON.stringify(pathToFileURL(join(repo, "core", "mod.ts")).href)})
    const engine = await createEngine(${JSON.stringify(options)})
    const jobs = await engine.run(Effect.flatMap(Engine, (e) => e.jobs()))
    await engine.dispose()
    console.log(JSON.stringify({ jobs: jobs.map((j) => j.id), modules: [...seen] }))
  `
  const child = spawnSync(...untracked([process.execPath, "--input-type=module", "--disable-warning=ExperimentalWarning", "-e", script]), {
    encoding: "utf8",
    timeout: 120_000
  })
  if (child.status !== 0) throw new Error(`the child failed (${child.status}): ${child.stderr}`)
  const out = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { jobs: Array<string>; modules: Array<string> }
  if (!out.jobs.includes(job)) throw new Error(`${job} is not served: ${child.stdout}`)
  return out.modules
}

const plugins = [
  /\/plugins\/sources\/oci\/oci-source\.ts$/,
  /\/plugins\/sources\/git\/git-source\.ts$/,
  /\/plugins\/executors\/sandbox\/sandbox-executor\.ts$/,
  /\/node_modules\/undici\//,
  /\/node_modules\/(sigstore|@sigstore\/[^/]+)\//,
  // The libraries behind them: the registry client and unpacker, the signature checks.
  /\/plugins\/oci\/mod\.ts$/,
  /\/plugins\/trust\/mod\.ts$/,
  /\/node_modules\/tar-stream\//
]
const platform = [
  /\/node_modules\/@effect\/platform-node(-shared)?\//,
  /\/node_modules\/@effect\/platform\/dist\/esm\/(HttpClient|FetchHttpClient|CommandExecutor)\.js$/
]

t.test("a start with a flwd.yaml of local sources loads no other plugin or the libraries behind them", async (t) => {
  const { dir, root, dataDir } = exampleTree(t)
  const file = join(dir, "flwd.yaml")
  writeFileSync(file, `sources:\n  - type: local\n    name: team\n    path: ${root}\n`)
  const modules = modulesOfStart({ env: {}, config: file, root, dataDir, allowedLocalRoots: [dir] }, "team/hello-world")
  t.ok(modules.some((m) => m.endsWith("/plugins/sources/local/local-source.ts")), "the hook sees the modules the start loads")
  for (const pattern of plugins) t.same(modules.filter((m) => pattern.test(m)), [], `nothing matching ${pattern}`)
})

t.test("a start that builds no plugin loads no platform service module", async (t) => {
  const { root, dataDir } = exampleTree(t)
  const modules = modulesOfStart({ env: {}, config: false, root, dataDir }, "hello-world")
  for (const pattern of [...plugins, ...platform]) t.same(modules.filter((m) => pattern.test(m)), [], `nothing matching ${pattern}`)
})
