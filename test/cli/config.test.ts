/**
 * `flwd :config validate|show`, `--config`, `FLWD_CONFIG` and `--plugin`
 * through the real binary.
 */
import t from "tap"
import { writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { sandbox } from "./_flwd.ts"

const plugin = resolve(import.meta.dirname, "..", "plugins", "loader", "fixtures")

t.test(":config validate checks fields, plugins and declared sources", async (t) => {
  const s = sandbox(t)
  writeFileSync(
    join(s.cwd, "flwd.yaml"),
    `root: jobs\nplugins: [${
      JSON.stringify(join(plugin, "bundle.ts"))
    }]\nsources:\n  - { type: static, name: fixed }\n  - { type: local, name: team, path: jobs }\n`
  )
  const ok = await s.flwd([":config", "validate"])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /flwd\.yaml: valid/)
  const json = await s.flwd([":config", "validate", "--json"])
  t.match(JSON.parse(json.stdout), { valid: true, sources: ["fixed", "team"] })

  writeFileSync(join(s.cwd, "bad.yaml"), "daat_dir: x\nsources:\n  - { type: local, name: team }\n  - { type: svn, name: old }\n")
  const bad = await s.flwd([":config", "validate", "bad.yaml"])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /config\.invalid/)
  t.match(bad.stderr, /^ {2}daat_dir: is unexpected/m)
  const sources = await s.flwd([":config", "validate", "--json"], { env: { FLWD_CONFIG: "other.yaml" } })
  t.equal(sources.code, 2, "a missing FLWD_CONFIG file is an error")

  writeFileSync(join(s.cwd, "typo.yaml"), "sources:\n  - { type: local, name: team, pth: jobs }\n")
  const typo = await s.flwd([":config", "validate", "typo.yaml"])
  t.equal(typo.code, 2)
  t.match(typo.stderr, /sources\[0\]\.pth/)
  const badPlugin = await s.flwd(["--plugin", "./nope.ts", ":config", "validate"])
  t.equal(badPlugin.code, 1)
  t.match(badPlugin.stderr, /plugin\.invalid: Plugin module \.\/nope\.ts \(--plugin\) does not exist/)
})

t.test(":config show prints the effective configuration with secrets masked", async (t) => {
  const s = sandbox(t)
  writeFileSync(
    join(s.cwd, "deploy.yaml"),
    [
      "profile: permissive",
      "bind: 127.0.0.1:9999",
      "ui: false",
      "tokens: [{ token: top-secret-token, scopes: ['*'] }]",
      "sources:",
      "  - { type: git, name: priv, url: 'https://robot:hunter22@git.example.com/x.git' }",
      ""
    ].join("\n")
  )
  const shown = await s.flwd(["--config", "deploy.yaml", ":config", "show"])
  t.equal(shown.code, 0, shown.stderr)
  t.notMatch(shown.stdout, /top-secret-token|hunter22/)
  t.match(shown.stdout, /profile: permissive/)
  t.match(shown.stdout, /token: "\*\*\*"/)
  const json = await s.flwd([":config", "show", "--json", "--profile", "secure"], { env: { FLWD_CONFIG: "deploy.yaml" } })
  const doc = JSON.parse(json.stdout)
  t.match(doc, {
    file: join(s.cwd, "deploy.yaml"),
    profile: "secure",
    bind: "127.0.0.1:9999",
    ui: false,
    data_dir: s.dataDir,
    sources: [{ url: "https://***@git.example.com/x.git" }]
  })
  t.notMatch(json.stdout, /top-secret-token|hunter22/)
})

t.test("commands read --config; an invalid file or plugin stops them, naming it", async (t) => {
  const s = sandbox(t)
  writeFileSync(join(s.cwd, "flwd.yaml"), `sources:\n  - { type: local, name: team, path: jobs }\n`)
  const jobs = await s.flwd([":jobs", "--ids"])
  t.equal(jobs.code, 0, jobs.stderr)
  t.match(jobs.stdout, /^team\/hello-world$/m, "./flwd.yaml is read and its sources declared")
  writeFileSync(join(s.cwd, "broken.yaml"), "tokens: [{ scopes: [] }]\n")
  const broken = await s.flwd(["--config", "broken.yaml", ":jobs"])
  t.equal(broken.code, 2)
  t.match(broken.stderr, /tokens\[0\]\.scopes: must name at least one scope/)
  writeFileSync(join(s.cwd, "flwd.yaml"), `sources:\n  - { type: local, name: gone, path: missing }\n`)
  const gone = await s.flwd([":jobs", "--ids"])
  t.equal(gone.code, 0, "a declared source that cannot load does not stop the command")
  t.match(gone.stderr, /declared source gone is not loaded: source\.invalid/)
  const remote = await s.flwd(["--remote", "http://127.0.0.1:9", "--config", "flwd.yaml", "--plugin", "./x.ts", ":jobs"])
  t.equal(remote.code, 2, "with --remote the server's configuration applies")
  t.match(remote.stderr, /--config, --plugin configure the in-process engine/)
  const missing = await s.flwd([":jobs", "--plugin", join(plugin, "throws.ts")])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /plugin\.invalid: .*throws\.ts.*boom while loading/)
})
