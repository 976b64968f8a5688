/**
 * `flwd :sources`: adding a local tree, listing, showing, removing.
 */
import t from "tap"
import { cpSync } from "node:fs"
import { join } from "node:path"
import { sandbox } from "./_flwd.ts"

t.test(":sources add, list, show and remove a local source", async (t) => {
  const box = sandbox(t)
  cpSync(join(box.root, "hello-world"), join(box.cwd, "team", "hello-world"), { recursive: true })

  const add = await box.flwd([":sources", "add", "--type", "local", "--name", "team", "--path", "./team"])
  t.equal(add.code, 0, add.stderr)
  t.match(add.stdout, /^added source team \(local\): ready, 1 job\n/)

  const jobs = await box.flwd([":jobs", "--ids"])
  t.ok(jobs.stdout.split("\n").includes("team/hello-world"), "the source's jobs are namespaced")
  const run = await box.flwd(["team/hello-world", "--name", "Teammate"])
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, "Teammate")

  const list = await box.flwd([":sources"])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^NAME\s+TYPE\s+STATUS\s+JOBS\n/)
  t.match(list.stdout, /\nteam\s+local\s+ready\s+1\n/)
  const listJson = JSON.parse((await box.flwd([":sources", "list", "--json"])).stdout) as { items: Array<{ name: string }> }
  t.ok(listJson.items.some((s) => s.name === "team"))

  const show = await box.flwd([":sources", "show", "team"])
  t.equal(show.code, 0, show.stderr)
  t.match(show.stdout, /Name\s+team/)
  t.match(show.stdout, /Type\s+local/)
  const showJson = JSON.parse((await box.flwd([":sources", "show", "team", "--json"])).stdout)
  t.equal(showJson.name, "team")
  t.equal(showJson.job_count, 1)

  const replace = await box.flwd([":sources", "add", "--type", "local", "--name", "team", "--path", "./team", "--json"])
  t.equal(replace.code, 0, replace.stderr)
  t.equal(JSON.parse(replace.stdout).name, "team")

  const remove = await box.flwd([":sources", "remove", "team"])
  t.equal(remove.code, 0, remove.stderr)
  t.equal(remove.stdout, "removed source team\n")
  const gone = await box.flwd([":sources", "show", "team"])
  t.equal(gone.code, 1)
  t.match(gone.stderr, /^flwd: source\.not\.found: /)
})

t.test(":sources add reports what is missing or invalid", async (t) => {
  const box = sandbox(t)
  const missing = await box.flwd([":sources", "add", "--name", "x"])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /^flwd: validation\.failed: :sources add needs --type\n {2}--type: is required\n {2}fix: [^\n]+\n$/)
  const unknown = await box.flwd([":sources", "add", "--type", "local", "--name", "x", "--pth", "."])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown flag --pth .*did you mean --path.*valid flags: --type, --name, [^;]*--path/)
  const badType = await box.flwd([":sources", "add", "--type", "nope", "--name", "x", "--json"])
  t.equal(badType.code, 2)
  t.equal(JSON.parse(badType.stderr).code, "source.type.unknown")
})
