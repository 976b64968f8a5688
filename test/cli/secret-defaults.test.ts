/**
 * A secret argument's default through the real `flwd` binary: `:jobs
 * --json`, `:plan` (text and JSON), `<job> --help`, a run, `:runs` and
 * `:runs show` never print it, and nothing under the data directory holds
 * it, while the job reads it from its secret file. And flags named like
 * Object.prototype's members are ordinary arguments.
 */
import t from "tap"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ndjson, sandbox } from "./_flwd.ts"
import { SECRET_DEFAULT, sha256, writeVaultJob } from "../helpers/vault-job.ts"

t.test("flwd never prints a secret default, and the job still gets it", async (t) => {
  // Each command starts the binary, a second or more on a busy two-core machine.
  t.setTimeout(300_000)
  const box = sandbox(t)
  writeVaultJob(box.root)
  const outputs: Array<[string, string]> = []
  const flwd = async (...args: Array<string>) => {
    const r = await box.flwd(args)
    outputs.push([`flwd ${args.join(" ")}`, r.stdout + r.stderr])
    t.equal(r.code, 0, `flwd ${args.join(" ")}: ${r.stderr}`)
    return r.stdout
  }

  const jobs =
    (JSON.parse(await flwd(":jobs", "--json")) as { items: Array<{ id: string; args_schema: { properties: Record<string, Record<string, unknown>> } }> }).items
  t.notOk("default" in jobs.find((j) => j.id === "vault")!.args_schema.properties.token, "a secret's default stays out of the listing")
  const plan = JSON.parse(await flwd(":plan", "vault", "--json")) as { args: Record<string, unknown> }
  t.equal(plan.args.token, "***")
  t.match(await flwd(":plan", "vault"), /token\s+= \*\*\*/)
  const help = await flwd("vault", "--help")
  t.match(help, /--token <string>\s+API token \(string; secret: never shown; default \*\*\*\)/, "help says a default exists")

  const run = await flwd("vault")
  t.match(run, `length=${SECRET_DEFAULT.length}`, "the job read the default from its secret file")
  t.match(run, `sha256=${sha256(SECRET_DEFAULT)}`)
  t.match(run, "raw=***")
  const events = ndjson(await flwd("vault", "--json"))
  const id = String(events[0].run_id)
  await flwd(":runs", "--json")
  await flwd(":runs", "show", id)
  await flwd(":runs", "show", id, "--json")
  await flwd(":runs", "events", id, "--json")

  for (const [command, text] of outputs) t.notOk(text.includes(SECRET_DEFAULT), `not in the output of ${command}`)
  t.notOk(box.dataBytes().includes(SECRET_DEFAULT), "not in any file of the data directory")
})

t.test("flags named constructor and prototype are arguments like any other", async (t) => {
  t.setTimeout(300_000)
  const box = sandbox(t)
  const dir = join(box.root, "ctor")
  mkdirSync(dir)
  writeFileSync(
    join(dir, "config.yaml"),
    [
      "command: ./run.sh",
      "argspec:",
      "  args:",
      "    - { name: constructor, type: string }",
      "    - { name: prototype, type: array }",
      ""
    ].join("\n")
  )
  writeFileSync(join(dir, "run.sh"), '#!/bin/sh\necho "constructor=$ARG_CONSTRUCTOR prototype=$ARG_PROTOTYPE"\n', { mode: 0o755 })
  const r = await box.flwd(["ctor", "--constructor", "a", "--prototype", "x", "--prototype", "y"])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, `constructor=a prototype=["x","y"]`)
  const unknown = await box.flwd(["hello-world", "--constructor", "a"])
  t.equal(unknown.code, 2, "an undeclared one is an unknown flag")
  t.match(unknown.stderr, "--constructor")
})
