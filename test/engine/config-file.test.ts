/**
 * `flwd.yaml`: finding it, reading it, naming every failing field, and how
 * it combines with options and the environment.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createEngine, effectiveConfig, loadConfig, readConfigFile, resolveOptions } from "../../mod.ts"
import { findConfigFile } from "../../engine/mod.ts"
import { rejection, tempDir } from "../helpers/engine.ts"

function write(dir: string, text: string, name = "flwd.yaml"): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const paths = (error: { errors?: ReadonlyArray<{ path: string }> }) => (error.errors ?? []).map((e) => e.path)

t.test("findConfigFile(): --config, then FLWD_CONFIG, then ./flwd.yaml when present", async (t) => {
  const dir = tempDir(t)
  t.equal(findConfigFile({ cwd: dir, env: {} }), null, "none")
  write(dir, "profile: secure\n")
  t.equal(findConfigFile({ cwd: dir, env: {} }), join(dir, "flwd.yaml"))
  t.equal(findConfigFile({ cwd: dir, env: { FLWD_CONFIG: "other.yaml" } }), join(dir, "other.yaml"))
  t.equal(findConfigFile({ cwd: dir, env: { FLWD_CONFIG: "other.yaml" }, config: "/etc/x.yaml" }), "/etc/x.yaml")
  t.equal(findConfigFile({ cwd: dir, env: {}, config: false }), null)
  const missing = await rejection(Promise.resolve().then(() => loadConfig({ cwd: dir, env: {}, config: "nope.yaml" })))
  t.equal(missing.code, "config.invalid", "a file named explicitly must exist")
  t.match(missing.detail, /nope\.yaml: does not exist/)
})

t.test("readConfigFile() names each failing field", async (t) => {
  const dir = tempDir(t)
  const cases: Array<[string, Array<string>]> = [
    ["daat_dir: x\n", ["daat_dir"]],
    ["bind: not a bind\n", ["bind"]],
    ["plugin_timeout: soon\n", ["plugin_timeout"]],
    ["tokens:\n  - { token: abc, scopes: [jobs:read, jobs:write] }\n  - { scopes: ['*'] }\n  - { token_sha256: XYZ, scopes: [] }\n", [
      "tokens[0].scopes[1]",
      "tokens[1].token",
      "tokens[2].token_sha256",
      "tokens[2].scopes"
    ]],
    ["plugins: [./a.ts, '']\n", ["plugins[1]"]],
    [
      "sources:\n  - { type: local, name: team, path: x }\n  - { type: git, name: team, url: y }\n  - { type: git, name: Bad_Name }\n  - { type: local, name: default }\n",
      ["sources[1].name", "sources[2].name", "sources[3].name"]
    ],
    ["sources:\n  - { name: nameless-type }\n", ["sources[0].type"]]
  ]
  for (const [text, expected] of cases) {
    const error = await rejection(Promise.resolve().then(() => readConfigFile(write(dir, text))))
    t.equal(error.code, "config.invalid", text)
    t.equal(error.status, 422)
    t.same(paths(error).sort(), [...expected].sort(), text)
  }
  const yaml = await rejection(Promise.resolve().then(() => readConfigFile(write(dir, "profile: [unclosed\n"))))
  t.equal(yaml.code, "config.invalid")
  t.match(yaml.detail, /not valid YAML/)
  t.match(paths(yaml)[0], /^line \d+/)
})

t.test("createEngine() checks declared sources against their plugins, naming the field", async (t) => {
  const dir = tempDir(t)
  const file = write(dir, "sources:\n  - { type: git, name: team, url: 'file:///x', ref: '--evil', colour: red }\n  - { type: svn, name: old }\n")
  const error = await rejection(createEngine({ env: {}, config: file, dataDir: join(dir, "data") }))
  t.equal(error.code, "config.invalid")
  t.same(paths(error).sort(), ["sources[0].colour", "sources[0].ref", "sources[1].type"])
})

t.test("relative paths resolve against the file; options and environment win over it", async (t) => {
  const dir = tempDir(t)
  const conf = join(dir, "conf")
  mkdirSync(conf)
  write(conf, "allowed_local_roots: [.]\n", "policy.yaml")
  const file = write(
    conf,
    "data_dir: state\nroot: jobs\npolicy: policy.yaml\nprofile: permissive\nplugins: [./my-plugin.ts, flwd-plugin-x]\nplugin_timeout: 2s\n"
  )
  const r = resolveOptions({ env: {}, config: file })
  t.equal(r.settings.dataDir, join(conf, "state"))
  t.equal(r.settings.root, join(conf, "jobs"))
  t.equal(r.settings.profile, "permissive")
  t.equal(r.policyFile, join(conf, "policy.yaml"))
  t.same(r.settings.policy.allowed_local_roots, ["."])
  t.same(r.pluginModules.map((m) => [m.specifier, m.base]), [["./my-plugin.ts", conf], ["flwd-plugin-x", conf]])
  t.equal(r.pluginTimeoutMs, 2000)
  const env = resolveOptions({ env: { FLWD_CONFIG: file, FLWD_DATA_DIR: "/srv/flwd", FLWD_PROFILE: "secure" } })
  t.equal(env.settings.dataDir, "/srv/flwd", "the environment wins over the file")
  t.equal(env.settings.profile, "secure")
  const flags = resolveOptions({ env: { FLWD_CONFIG: file, FLWD_DATA_DIR: "/srv/flwd" }, dataDir: "/tmp/flag", pluginModules: ["./cli-plugin.ts"] })
  t.equal(flags.settings.dataDir, "/tmp/flag", "options (flags) win over both")
  t.same(flags.pluginModules.map((m) => m.from?.replace(conf, "<conf>")), ["<conf>/flwd.yaml plugins[0]", "<conf>/flwd.yaml plugins[1]", "--plugin"])
})

t.test("effectiveConfig() masks tokens and credentials", async (t) => {
  const dir = tempDir(t)
  const file = readConfigFile(write(
    dir,
    [
      "tokens:",
      "  - { token: very-secret-token, scopes: ['*'] }",
      `  - { token_sha256: ${"ab".repeat(32)}, scopes: [jobs:read] }`,
      "sources:",
      "  - { type: git, name: priv, url: 'https://robot:hunter22@git.example.com/x.git', ref: main }",
      "  - { type: http-archive, name: arch, url: 'https://example.com/a.tgz', api_token: abc123 }",
      ""
    ].join("\n")
  ))
  const shown = effectiveConfig({
    file,
    dataDir: "/d",
    root: "/r",
    profile: "secure",
    policyFile: null,
    bind: "127.0.0.1:8080",
    allowedLocalRoots: ["/"],
    pluginTimeoutMs: 30000,
    plugins: []
  })
  const text = JSON.stringify(shown)
  t.notOk(text.includes("very-secret-token"))
  t.notOk(text.includes("hunter22"))
  t.notOk(text.includes("abc123"))
  t.match(shown, { tokens: [{ token: "***", scopes: ["*"] }, { token_sha256: "ab".repeat(32) }] })
  t.match(shown, { sources: [{ url: "https://***@git.example.com/x.git" }, { api_token: "***" }] })
})
