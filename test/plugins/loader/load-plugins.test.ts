/**
 * Loading plugin modules: paths and packages, shapes told apart, and every
 * way a module can be wrong stopping the start with an error naming it.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { createEngine, enginePlugins, loadPlugins } from "../../../mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"

const fixtures = resolve(import.meta.dirname, "fixtures")
const builtin = enginePlugins()
const load = (specifier: string, base = fixtures) => loadPlugins([{ specifier, base, from: "--plugin" }], { builtin, timeoutMs: 500 })

t.test("loadPlugins() tells a source, a profile and an executor apart by shape", async (t) => {
  const { set, modules } = await load("./bundle.ts")
  t.same(set.sources.map((s) => s.type), ["static"])
  t.same(set.profiles.map((p) => p.name), ["paranoid"])
  t.same(set.executors.map((e) => e.kind), ["dry"])
  t.equal(modules[0].file, join(fixtures, "bundle.ts"))
  const twice = await loadPlugins([{ specifier: "./bundle.ts", base: fixtures }, { specifier: pathToFileURL(join(fixtures, "bundle.ts")).href, base: "/" }], {
    builtin
  })
  t.equal(twice.modules.length, 1, "the same file named twice loads once")
})

t.test("loadPlugins() finds an installed package through its exports", async (t) => {
  const dir = tempDir(t)
  const pkg = join(dir, "node_modules", "@acme", "flwd-static")
  mkdirSync(pkg, { recursive: true })
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({ name: "@acme/flwd-static", type: "module", exports: { ".": { require: "./missing.cjs", import: "./plugin.js" } } })
  )
  writeFileSync(join(pkg, "plugin.js"), `export { default } from ${JSON.stringify(pathToFileURL(join(fixtures, "bundle.ts")).href)}\n`)
  const { set } = await load("@acme/flwd-static", join(dir, "deep", "er"))
  t.same(set.sources.map((s) => s.type), ["static"])
  const missing = await rejection(load("flwd-plugin-nowhere", dir))
  t.equal(missing.code, "plugin.invalid")
  t.match(missing.detail, /flwd-plugin-nowhere.*not an installed package/)
})

t.test("bad modules are plugin.invalid naming the module", async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["./does-not-exist.ts", /does-not-exist\.ts \(--plugin\) does not exist/],
    ["./empty.ts", /empty\.ts .*has no default export/],
    ["./no-default.ts", /no-default\.ts .*has no default export.*exports only plugin/],
    ["./wrong-shape.ts", /wrong-shape\.ts .*exports an invalid plugin: default\.type/],
    ["./not-a-plugin.ts", /not-a-plugin\.ts .*is not a plugin definition/],
    ["./throws.ts", /throws\.ts .*failed to load: boom while loading the plugin/],
    ["./hangs.ts", /hangs\.ts .*failed to load: did not finish loading within 500 ms/],
    ["./claims-git.ts", /claims-git\.ts .*claims source type "git", which a built-in plugin already has/]
  ]
  for (const [specifier, detail] of cases) {
    const error = await rejection(load(specifier))
    t.equal(error.code, "plugin.invalid", specifier)
    t.equal(error.status, 500)
    t.match(error.detail, detail, specifier)
  }
  const shape = await rejection(load("./wrong-shape.ts"))
  t.same(
    shape.errors.map((e: { path: string }) => e.path),
    ["default.type", "default.spec", "default.pin", "default.make", "default.check"],
    "each wrong field is named"
  )
})

t.test("a module written for the first contract is refused with what replaced each part", async (t) => {
  const source = await rejection(load("./v1-source.ts"))
  t.equal(source.code, "plugin.invalid")
  t.match(source.errors, [
    { path: "default.load", message: /moved in plugin contract v2: make \(an Effect\) builds \{ load\(spec, pin, ctx\)/ },
    { path: "default.restore", message: /core restores sources from their stored pins/ },
    { path: "default.remove", message: /release\(spec, loaded\)/ }
  ])
  const others = await rejection(load("./v1-executor-profile.ts"))
  t.match(others.errors, [
    { path: "default[0].preview", message: /make \(an Effect\) builds \{ preview, execute \}/ },
    { path: "default[0].execute", message: /make \(an Effect\) builds \{ preview, execute \}/ },
    { path: "default[1].admitRegistry", message: /admit\(request, policy\)/ }
  ])
})

t.test("two modules claiming one kind stop the start, naming both", async (t) => {
  const error = await rejection(loadPlugins([{ specifier: "./bundle.ts", base: fixtures }, { specifier: "./claims-static.ts", base: fixtures }], { builtin }))
  t.equal(error.code, "plugin.invalid")
  t.match(error.detail, /claims-static\.ts claims source type "static", which plugin module \.\/bundle\.ts already has/)
})

t.test("createEngine() refuses to start on a bad plugin module", async (t) => {
  const dir = tempDir(t)
  const error = await rejection(createEngine({ env: {}, config: false, dataDir: join(dir, "data"), root: dir, pluginModules: [join(fixtures, "throws.ts")] }))
  t.equal(error.code, "plugin.invalid")
  t.match(error.detail, /throws\.ts/)
})
