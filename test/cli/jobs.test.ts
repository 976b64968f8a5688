/**
 * `flwd :jobs`: the table, JSON and the bare ids completion uses.
 */
import t from "tap"
import { sandbox } from "./_flwd.ts"

const examples = ["always-fails", "build-and-test", "hello-world", "legacy/greet"]

t.test(":jobs prints an aligned table of ID, SUMMARY and SOURCE", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":jobs"])
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trimEnd().split("\n")
  t.match(lines[0], /^ID\s+SUMMARY\s+SOURCE$/)
  const summaryAt = lines[0].indexOf("SUMMARY")
  for (const id of [...examples, "slow", "typed"]) {
    const line = lines.find((l) => l.startsWith(`${id} `))
    t.ok(line, `${id} is listed`)
    t.equal(line!.slice(summaryAt - 2, summaryAt), "  ", `${id}'s row is aligned`)
    t.match(line!, /default$/)
  }
  t.notMatch(r.stdout, "\u001b[", "no colors when stdout is not a terminal")
})

t.test(":jobs --json prints the catalogue as GET /jobs does: {items}", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":jobs", "--json"])
  t.equal(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as {
    items: Array<{ id: string; local_id: string; source: { name: string }; args_schema: { properties: Record<string, unknown> } }>
  }
  const jobs = doc.items
  t.ok(Array.isArray(jobs))
  for (const id of examples) t.ok(jobs.some((j) => j.id === id), id)
  const hello = jobs.find((j) => j.id === "hello-world")!
  t.match(hello, { local_id: "hello-world", source: { name: "default" } })
  t.same(Object.keys(hello.args_schema.properties).sort(), ["loud", "name", "tags", "token"])
  // Global flags work before the command too.
  const before = await box.flwd(["--json", ":jobs"])
  t.same(JSON.parse(before.stdout), doc)
})

t.test(":jobs --ids prints one id per line", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":jobs", "--ids"])
  t.equal(r.code, 0, r.stderr)
  const ids = r.stdout.trimEnd().split("\n")
  for (const id of examples) t.ok(ids.includes(id), id)
  t.same(ids, [...ids].sort())
})

t.test(":jobs rejects unknown flags and operands", async (t) => {
  const box = sandbox(t)
  const flag = await box.flwd([":jobs", "--idz"])
  t.equal(flag.code, 2)
  t.match(flag.stderr, /^flwd: validation\.failed: unknown flag --idz for :jobs \(did you mean --ids\?\); valid flags: --ids/)
  const operand = await box.flwd([":jobs", "extra"])
  t.equal(operand.code, 2)
  t.match(operand.stderr, "takes no arguments")
})
