/**
 * The walkthrough of docs/scaling.md ("Two servers on one machine") stays
 * true: its commands are the body of examples/cluster/two-servers.sh, and
 * the script, run as a user would from a checkout, starts a PostgreSQL and
 * two servers on it, posts a run to one and follows it to its end on the
 * other. Ports are free ones; `flwd` is this checkout's binary.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { flwdBin } from "../helpers/cluster.ts"
import { repo } from "../helpers/engine.ts"
import { freePort } from "../helpers/registry.ts"
import { untracked } from "../helpers/untracked.ts"

// A PostgreSQL cluster and two cold server starts.
t.setTimeout(300_000)

const script = join(repo, "examples", "cluster", "two-servers.sh")

t.test("docs/scaling.md quotes the script's commands", async (t) => {
  const doc = readFileSync(join(repo, "docs", "scaling.md"), "utf8")
  const section = doc.slice(doc.indexOf("### Two servers on one machine"))
  const fences = [...section.slice(0, section.indexOf("\n### ", 5)).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])
  t.ok(fences.length >= 3, "the walkthrough has its steps")
  const body = readFileSync(script, "utf8")
  for (const fence of fences) {
    for (const line of fence.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"))) t.ok(body.includes(line), `the script runs: ${line}`)
  }
})

t.test("examples/cluster/two-servers.sh: a run posted to one server is followed to its end on the other", async (t) => {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FLWD_"))),
    PG_PORT: String(await freePort()),
    A_PORT: String(await freePort()),
    B_PORT: String(await freePort()),
    FLWD: `${process.execPath} ${flwdBin}`,
    NODE_NO_WARNINGS: "1"
  }
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      ...untracked(["sh", script]),
      { cwd: repo, env, timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr })
    )
  })
  t.equal(result.code, 0, result.stderr)
  const id = /posted (run_\w+) to/.exec(result.stdout)?.[1]
  t.ok(id !== undefined, result.stdout)
  const lines = result.stdout.split("\n").filter((l) => l.includes(` ${id} `) || l.includes(` ${id}`))
  t.equal(lines.filter((l) => l.includes("run.started")).length, 1)
  t.match(result.stdout, "Hello, Alice!")
  t.match(lines.at(-1), /run\.finished .*exit 0/, "followed on the other server to the run's end")
})
