/**
 * A secret argument's default through `flwd --remote` against the real
 * server: the remote views (job help, `:jobs --json`, `:plan`, a run,
 * `:runs show`) print it nowhere, and the job still gets it.
 */
import t from "tap"
import { join } from "node:path"
import { remoteSandbox } from "./_remote.ts"
import { SECRET_DEFAULT, sha256, writeVaultJob } from "../helpers/vault-job.ts"

t.test("flwd --remote never prints a secret default, and the job still gets it", async (t) => {
  const { box, remote } = await remoteSandbox(t)
  // A local source inside the server's working directory, added over the API.
  writeVaultJob(join(box.cwd, "vaults"))
  const outputs: Array<[string, string]> = []
  const flwd = async (...args: Array<string>) => {
    const r = await remote(...args)
    outputs.push([`flwd --remote ${args.join(" ")}`, r.stdout + r.stderr])
    t.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`)
    return r.stdout
  }
  await flwd(":sources", "add", "--type", "local", "--name", "vaults", "--path", "./vaults")

  await flwd(":jobs", "--json")
  t.match(await flwd("vaults/vault", "--help"), /secret: never shown; default \*\*\*/)
  const plan = JSON.parse(await flwd(":plan", "vaults/vault", "--json")) as { args: Record<string, unknown>; argspec: { args: Array<Record<string, unknown>> } }
  t.equal(plan.args.token, "***")
  t.equal(plan.argspec.args[0].default, "***")
  const run = await flwd("vaults/vault")
  t.match(run, `sha256=${sha256(SECRET_DEFAULT)}`, "the job read the default from its secret file")
  t.match(run, "raw=***")
  const runs = JSON.parse(await flwd(":runs", "--json")) as { items: Array<{ id: string }> } | Array<{ id: string }>
  const items = Array.isArray(runs) ? runs : runs.items
  await flwd(":runs", "show", items[0].id, "--json")

  for (const [command, text] of outputs) t.notOk(text.includes(SECRET_DEFAULT), `not in the output of ${command}`)
})
