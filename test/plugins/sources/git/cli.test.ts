/**
 * The git source through the `flwd` binary: credentials in the URL never
 * reach its output.
 */
import t from "tap"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { sandbox } from "../../../cli/_flwd.ts"
import { dumbHttp, job, makeRepo } from "./_git.ts"

t.test("flwd :sources add --type git masks credentials in every output", async (t) => {
  const s = sandbox(t)
  const repo = makeRepo(s.cwd, "team")
  repo.commit(Object.fromEntries(Object.entries(job("Greets", "hello over http")).map(([k, v]) => [`greet/${k}`, v])))
  const password = "pw-9f8e7d6c5b"
  const server = await dumbHttp(s.cwd, { user: "robot", password })
  t.teardown(server.stop)
  writeFileSync(join(s.cwd, "flwd.policy.yaml"), "git:\n  allowed_hosts: [127.0.0.1]\n")
  const outputs: Array<string> = []
  const flwd = async (args: ReadonlyArray<string>) => {
    const r = await s.flwd(args)
    outputs.push(r.stdout, r.stderr)
    return r
  }
  const added = await flwd([":sources", "add", "--type", "git", "--name", "priv", "--url", server.url("team.git", `robot:${password}@`), "--ref", "main"])
  t.equal(added.code, 0, added.stderr)
  t.match(added.stdout, /added source priv \(git\): ready/)
  const shown = await flwd([":sources", "show", "priv"])
  t.match(shown.stdout, /http:\/\/\*\*\*@127\.0\.0\.1/, "the URL is shown masked")
  t.equal((await flwd([":sources", "list", "--json"])).code, 0)
  const ran = await flwd(["priv/greet"])
  t.equal(ran.code, 0, ran.stderr)
  t.match(ran.stdout, /hello over http/)
  const failed = await flwd([":sources", "add", "--type", "git", "--name", "nope", "--url", server.url("missing.git", `robot:${password}@`)])
  t.equal(failed.code, 1)
  t.match(failed.stderr, /source\.failed/)
  const json = await flwd([":sources", "add", "--json", "--type", "git", "--name", "nope", "--url", server.url("missing.git", `robot:${password}@`)])
  t.equal(json.code, 1)
  const refused = await flwd([":sources", "add", "--type", "git", "--name", "far", "--url", `https://robot:${password}@git.example.invalid/x.git`])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /source\.not\.allowed/)
  for (const text of outputs) t.notOk(text.includes(password), "no output holds the password")
  for (const file of ["flwd.db", "flwd.db-wal"]) {
    if (existsSync(join(s.dataDir, file))) t.notOk(readFileSync(join(s.dataDir, file)).includes(password), `${file} holds no password`)
  }
})
