/**
 * `--help` on every command, `--version`, and a job's help from its argspec.
 */
import t from "tap"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { repo, sandbox } from "./_flwd.ts"

// Dozens of starts of the binary: minutes on a loaded two-core machine.
t.setTimeout(600_000)

const commands: ReadonlyArray<ReadonlyArray<string>> = [
  [":jobs"],
  [":plan"],
  [":run"],
  [":runs"],
  [":runs", "list"],
  [":runs", "show"],
  [":runs", "events"],
  [":runs", "cancel"],
  [":sources"],
  [":sources", "list"],
  [":sources", "show"],
  [":sources", "add"],
  [":sources", "refresh"],
  [":sources", "remove"],
  ["completion"]
]

t.test("flwd --help lists the commands and global flags", async (t) => {
  const box = sandbox(t)
  for (const flag of ["--help", "-h"]) {
    const r = await box.flwd([flag])
    t.equal(r.code, 0, flag)
    for (const word of [":jobs", ":plan", ":runs", ":sources", "completion", "--root", "--data-dir", "--profile", "--policy", "--json", "--version"]) {
      t.match(r.stdout, word, `${flag} mentions ${word}`)
    }
    t.notMatch(r.stdout, ":complete", "the completion helper stays hidden")
  }
})

t.test("--help on every command prints its usage and flags", async (t) => {
  const box = sandbox(t)
  for (const words of commands) {
    const r = await box.flwd([...words, "--help"])
    t.equal(r.code, 0, `${words.join(" ")} --help exits 0`)
    t.match(r.stdout, `flwd ${words.join(" ")}`, `${words.join(" ")} names itself`)
    t.match(r.stdout, "Usage:", `${words.join(" ")} shows usage`)
    t.match(r.stdout, "--json", `${words.join(" ")} lists the global flags`)
    t.equal(r.stderr, "")
  }
  const runs = await box.flwd([":runs", "--help"])
  for (const flag of ["--job", "--status", "--limit"]) t.match(runs.stdout, flag)
  const add = await box.flwd([":sources", "add", "--help"])
  for (const flag of ["--type", "--name", "--path"]) t.match(add.stdout, flag)
})

t.test("a job's --help shows its arguments with types, defaults, required and descriptions", async (t) => {
  const box = sandbox(t)
  for (const args of [["hello-world", "--help"], [":plan", "hello-world", "--help"], ["--help", "hello-world"]]) {
    const r = await box.flwd(args)
    t.equal(r.code, 0, args.join(" "))
    t.match(r.stdout, "flwd ")
    t.match(r.stdout, /--name <string>.*required/)
    t.match(r.stdout, /--\[no-\]loud.*boolean.*default false/)
    t.match(r.stdout, /--tags <string>.*array of string/)
    t.match(r.stdout, /--token <string>.*secret/)
  }
  const typed = await box.flwd(["typed", "--help"])
  t.match(typed.stdout, /--count <integer>\s+How many \(integer; min 1\)/)
  t.match(typed.stdout, /--level <string>.*default "low".*one of "low", "high"/)
  t.match(typed.stdout, /--meta <object>.*JSON/)
})

t.test("--version prints the package version", async (t) => {
  const box = sandbox(t)
  const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }
  const r = await box.flwd(["--version"])
  t.equal(r.code, 0)
  t.equal(r.stdout, `flwd ${version}\n`)
  const json = await box.flwd(["--version", "--json"])
  t.same(JSON.parse(json.stdout), { version })
})

t.test("flwd with no command prints help", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([])
  t.equal(r.code, 0)
  t.match(r.stdout, "Commands:")
})

t.test("flwd --help lists --remote and --token", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["--help"])
  t.match(r.stdout, /--remote <url>\s+talk to the flwd server/)
  t.match(r.stdout, /--token <token>\s+bearer token/)
})

t.test("a command name typed without its colon suggests the command", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd(["jobs"])
  t.equal(r.code, 2)
  t.match(r.stderr, /job\.not\.found: .*did you mean ":jobs"\?/)
  const runs = await box.flwd(["runs"])
  t.match(runs.stderr, /did you mean ":runs"\?/)
})
