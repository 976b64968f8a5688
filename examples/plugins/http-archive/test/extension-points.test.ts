/**
 * Every extension point of the contract, through `flwd` in-process (the
 * real binary loading the plugin is cli-and-serve.test.ts's) with the
 * plugin loaded by `--plugin`: the plugin's `--url` and `--sha256`
 * flags on `:sources add`, its `http_archive` policy section (checked at
 * start, applied at add), its own problem code, and its `gc` hook run by
 * `flwd :gc`.
 */
import t from "tap"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { helloTree, sha256, staticServer, tarGz } from "./_archive.ts"
import { flwdInProcess as flwd, plugin, work } from "./_flwd.ts"

t.test("--url and --sha256 are the plugin's own :sources add flags", async (t) => {
  const cwd = work(t, "flwd-archive-ext-")
  const archive = await tarGz(helloTree("Flags,"))
  const server = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(server.stop)
  const add = await flwd(cwd, [
    "--plugin",
    plugin,
    ":sources",
    "add",
    "--type",
    "http-archive",
    "--name",
    "tools",
    "--url",
    server.url("/tools.tar.gz"),
    "--sha256",
    sha256(archive)
  ])
  t.equal(add.code, 0, add.stderr)
  t.match(add.stdout, /added source tools \(http-archive\): ready, 1 job/)
  const without = await flwd(cwd, [":sources", "add", "--type", "http-archive", "--name", "x", "--sha256", sha256(archive)])
  t.equal(without.code, 2, "without the plugin the flag does not exist")
  t.match(without.stderr, /unknown flag --sha256/)
})

t.test("the http_archive policy section: checked at start, applied when adding", async (t) => {
  const cwd = work(t, "flwd-archive-ext-")
  const archive = await tarGz(helloTree("Policy,"))
  const server = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(server.stop)
  const policy = (text: string) => {
    const file = join(cwd, `policy-${Math.random().toString(36).slice(2)}.yaml`)
    writeFileSync(file, text)
    return file
  }
  const add = (file: string, ...extra: Array<string>) =>
    flwd(cwd, [
      "--plugin",
      plugin,
      "--policy",
      file,
      ...extra,
      ":sources",
      "add",
      "--type",
      "http-archive",
      "--name",
      "tools",
      "--url",
      server.url("/tools.tar.gz"),
      "--sha256",
      sha256(archive),
      "--json"
    ])

  const elsewhere = await add(policy("http_archive:\n  allowed_hosts: [archives.example.com]\n"))
  t.equal(elsewhere.code, 1, "a refusal, not a usage error")
  t.match(JSON.parse(elsewhere.stderr), { code: "source.not.allowed", errors: [{ path: "url" }] })
  const listed = await add(policy(`http_archive:\n  allowed_hosts: ["${new URL(server.url("/")).host}"]\n`))
  t.equal(listed.code, 0, listed.stderr)

  const bad = await add(policy('http_archive:\n  allowed_hosts: ["https://archives.example.com/"]\n'))
  t.equal(bad.code, 2)
  t.match(JSON.parse(bad.stderr), { code: "policy.invalid", errors: [{ path: "http_archive.allowed_hosts[0]", message: /host or host:port/ }] })
  const unknownKey = await flwd(cwd, ["--policy", policy("http_archive:\n  allowed_hosts: [x]\n"), ":sources", "--json"])
  t.equal(unknownKey.code, 2, "without the plugin its section is an unknown key")
  t.match(JSON.parse(unknownKey.stderr), { code: "policy.invalid", errors: [{ path: "http_archive" }] })
})

t.test("flwd :policy check asks the plugin's inspect hook: the host decision an add would make, adding nothing", async (t) => {
  const cwd = work(t, "flwd-archive-ext-")
  const file = join(cwd, "policy.yaml")
  writeFileSync(file, "http_archive:\n  allowed_hosts: [archives.example.com]\n")
  const hash = "0".repeat(64)
  const check = (url: string, ...extra: Array<string>) =>
    flwd(cwd, ["--plugin", plugin, "--policy", file, ":policy", "check", "--type", "http-archive", "--url", url, "--sha256", hash, ...extra])

  const denied = await check("http://downloads.example.org/tools.tar.gz", "--json")
  t.equal(denied.code, 1, denied.stderr)
  t.match(JSON.parse(denied.stdout), {
    url: "http://downloads.example.org/tools.tar.gz",
    admitted: false,
    decisions: [{ decision: "deny", code: "source.not.allowed", reason: /downloads\.example\.org is not in http_archive\.allowed_hosts/ }],
    problem: { code: "source.not.allowed" }
  })
  const admitted = await check("https://archives.example.com/tools.tar.gz")
  t.equal(admitted.code, 0, admitted.stderr)
  t.match(admitted.stdout, /^https:\/\/archives\.example\.com\/tools\.tar\.gz: admitted \(profile secure\)/)
  t.match(admitted.stdout, /allow {2}source\.allowed {2}host archives\.example\.com is listed/)
  t.match(admitted.stdout, /sha256 {2}0{64}/)

  const bad = await check("ftp://archives.example.com/x", "--json")
  t.equal(bad.code, 2, "a bad field is named before anything is decided")
  t.match(JSON.parse(bad.stderr), { code: "validation.failed", errors: [{ path: "url" }] })
  const which = await flwd(cwd, ["--plugin", plugin, ":policy", "check", "https://archives.example.com/x"])
  t.equal(which.code, 2, "two kinds can be checked: --type chooses")
  t.match(which.stderr, /needs --type \(kinds that can be checked: http-archive, oci\)|needs --type \(kinds that can be checked: oci, http-archive\)/)
  t.notOk(existsSync(join(cwd, "data", "flwd.db")), "nothing was added: the engine never started")
})

t.test("a wrong sha256 fails with the plugin's own problem code and its fix", async (t) => {
  const cwd = work(t, "flwd-archive-ext-")
  const archive = await tarGz(helloTree("Digest,"))
  const server = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(server.stop)
  const args = [
    "--plugin",
    plugin,
    ":sources",
    "add",
    "--type",
    "http-archive",
    "--name",
    "bad",
    "--url",
    server.url("/tools.tar.gz"),
    "--sha256",
    "ab".repeat(32)
  ]
  const json = await flwd(cwd, [...args, "--json"])
  t.equal(json.code, 1)
  t.match(JSON.parse(json.stderr), { code: "archive.digest.mismatch", status: 422, title: "Archive digest mismatch", errors: [{ path: "sha256" }] })
  const text = await flwd(cwd, args)
  t.match(text.stderr, /archive\.digest\.mismatch/)
  t.match(text.stderr, /sha256sum/, "the plugin's fix hint is shown")
})

t.test("flwd :gc runs the plugin's gc hook: extractions no source refers to go, the source's stay", async (t) => {
  const cwd = work(t, "flwd-archive-ext-")
  const archive = await tarGz(helloTree("Kept,"))
  const server = await staticServer({ "/tools.tar.gz": archive })
  t.teardown(server.stop)
  const add = await flwd(cwd, [
    "--plugin",
    plugin,
    ":sources",
    "add",
    "--type",
    "http-archive",
    "--name",
    "tools",
    "--url",
    server.url("/tools.tar.gz"),
    "--sha256",
    sha256(archive)
  ])
  t.equal(add.code, 0, add.stderr)
  // What a source removed while its engine was killed leaves behind.
  const orphan = join(cwd, "data", "http-archive", "ghost", "0123456789abcdef-00000000")
  mkdirSync(join(orphan, "hello"), { recursive: true })
  writeFileSync(join(orphan, "hello", "config.yaml"), "summary: gone\n")
  const dry = await flwd(cwd, ["--plugin", plugin, ":gc", "--dry-run", "--json"])
  t.equal(dry.code, 0, dry.stderr)
  t.match(JSON.parse(dry.stdout), { extractions: ["ghost/0123456789abcdef-00000000"], dry_run: true })
  t.ok(existsSync(orphan), "a dry run removes nothing")
  const gc = await flwd(cwd, ["--plugin", plugin, ":gc"])
  t.equal(gc.code, 0, gc.stderr)
  t.match(gc.stdout, /removed 1 archive extraction/)
  t.notOk(existsSync(orphan), "the orphan is gone")
  const run = await flwd(cwd, ["--plugin", plugin, "tools/hello", "--who", "Ada"])
  t.match(run.stdout, /Kept, Ada/, "the source's own extraction stays")
})
