/**
 * `flwd :sources add` takes each kind's flags from its plugin (`addFlags`),
 * and completion offers the kinds and their flags from the plugins: the CLI
 * keeps no table of kinds.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import t from "tap"
import { sandbox } from "./_flwd.ts"

t.test(":complete offers the source kinds and every kind's add flags from the plugins", async (t) => {
  const box = sandbox(t)
  const complete = async (...words: Array<string>) => {
    const r = await box.flwd([":complete", "--", ...words])
    t.equal(r.code, 0, r.stderr)
    return r.stdout.split("\n").filter((l) => l !== "")
  }
  t.same(await complete(":sources", "add", "--type", ""), ["git", "local", "oci"])
  const flags = await complete(":sources", "add", "--")
  for (const flag of ["--type", "--name", "--set", "--path", "--url", "--ref"]) t.ok(flags.includes(flag), flag)
  t.ok(flags.includes("--trusted") && flags.includes("--semver") && flags.includes("--pull-policy"), "the oci source's flags")
  t.same(await complete(":sources", "add", "--type", "oci", "--pull-policy", ""), ["on-add", "on-startup", "on-run", "always"])
})

t.test(":sources add maps a kind's flags onto its spec fields, and the kind's Schema names a field it does not take", async (t) => {
  const box = sandbox(t)
  const wrong = await box.flwd([":sources", "add", "--type", "local", "--name", "x", "--path", ".", "--semver", ">=1", "--json"])
  t.equal(wrong.code, 2)
  t.match(JSON.parse(wrong.stderr), { code: "source.invalid", errors: [{ path: "semver" }] })
  const help = await box.flwd([":sources", "add", "--type", "local", "--name", "x", "--nope"])
  t.match(
    help.stderr,
    /valid flags: --type, --name, --url, --ref, --path, --pull-policy, --trusted, --platform, --semver, --set;/,
    "each kind's flags, in the order the plugins give them"
  )
})

t.test(":sources add --help lists the built-in kinds' flags, naming the kinds each belongs to", async (t) => {
  const box = sandbox(t)
  const help = await box.flwd([":sources", "add", "--help"])
  t.equal(help.code, 0, help.stderr)
  t.match(help.stdout, /--url <url> +repository URL or local path \(git\)/)
  t.match(help.stdout, /--pull-policy <policy> +on-add, on-startup, on-run or always \(git, oci\)/)
  t.match(help.stdout, /--semver <range> .*\(oci\)/)
})

// The example third-party plugin: its light definition declares --url and --sha256.
const archivePlugin = fileURLToPath(new URL("../../examples/plugins/http-archive/mod.ts", import.meta.url))

t.test(":sources add --help and completion show the flags of kinds from --plugin modules and flwd.yaml's plugins", async (t) => {
  const box = sandbox(t)
  const help = await box.flwd(["--plugin", archivePlugin, ":sources", "add", "--help"])
  t.equal(help.code, 0, help.stderr)
  t.match(help.stdout, /--sha256 <hex> +the archive's SHA-256 \(sha256sum FILE\) \(http-archive\)/)
  t.match(help.stdout, /--url <url> +repository URL or local path \(git\); the archive's http:\/\/ or https:\/\/ URL \(http-archive\)/)
  t.notMatch((await box.flwd([":sources", "add", "--help"])).stdout, /--sha256/, "without the plugin, no such flag")

  const complete = async (...words: Array<string>) => {
    const r = await box.flwd([":complete", "--", ...words])
    t.equal(r.code, 0, r.stderr)
    return r.stdout.split("\n").filter((l) => l !== "")
  }
  t.ok((await complete("--plugin", archivePlugin, ":sources", "add", "--type", "")).includes("http-archive"), "the kind is completed")
  t.ok((await complete("--plugin", archivePlugin, ":sources", "add", "--")).includes("--sha256"), "its flag is completed")

  const config = join(box.cwd, "flwd.yaml")
  writeFileSync(config, `plugins: [${JSON.stringify(archivePlugin)}]\n`)
  const fromConfig = await box.flwd(["--config", config, ":sources", "add", "--help"])
  t.equal(fromConfig.code, 0, fromConfig.stderr)
  t.match(fromConfig.stdout, /--sha256 <hex>/, "a plugin flwd.yaml declares")
  t.ok((await complete("--config", config, ":sources", "add", "--type", "")).includes("http-archive"), "the kind flwd.yaml declares is completed")
})
