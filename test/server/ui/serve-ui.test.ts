import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { jobsRoot, repoRoot, spawnServer } from "../_helpers.ts"
import { untracked } from "../../helpers/untracked.ts"

async function status(url: string, path: string): Promise<number> {
  const response = await fetch(new URL(path, url), { redirect: "manual" })
  await response.arrayBuffer()
  return response.status
}

t.test("flwd :serve serves the console by default; --no-ui and ui: false in flwd.yaml turn it off", async (t) => {
  const dir = t.testdir()
  const on = await spawnServer(["--root", jobsRoot, "--data-dir", join(dir, "on")], { FLWD_TOKENS: "all:*" })
  t.teardown(() => void on.child.kill("SIGKILL"))
  t.equal(await status(on.url, "/ui/login"), 200)
  t.equal(await status(on.url, "/"), 302)

  const off = await spawnServer(["--root", jobsRoot, "--data-dir", join(dir, "off"), "--no-ui"], { FLWD_TOKENS: "all:*" })
  t.teardown(() => void off.child.kill("SIGKILL"))
  t.equal(await status(off.url, "/ui/login"), 404)
  t.equal(await status(off.url, "/"), 404)
  t.equal(await status(off.url, "/healthz"), 200, "the API is still served")

  const config = join(dir, "flwd.yaml")
  writeFileSync(config, "ui: false\n")
  const file = await spawnServer(["--root", jobsRoot, "--data-dir", join(dir, "file"), "--config", config], { FLWD_TOKENS: "all:*" })
  t.teardown(() => void file.child.kill("SIGKILL"))
  t.equal(await status(file.url, "/ui/login"), 404)
})

t.test("flwd :serve --no-ui, through the CLI, serves the API without the console", async (t) => {
  const env = { ...process.env, NODE_NO_WARNINGS: "1", FLWD_TOKENS: "all:*" }
  const child = spawn(
    ...untracked([process.execPath, "cli/main.ts", ":serve", "--no-ui", "--bind", "127.0.0.1:0", "--root", jobsRoot, "--data-dir", t.testdir()], env),
    {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  t.teardown(() => void child.kill("SIGKILL"))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout!.on("data", (d) => {
      out += d
      const m = /flwd listening on (http:\/\/\S+)/.exec(out)
      if (m !== null) resolve(m[1])
    })
    child.on("exit", (code) => reject(new Error(`flwd :serve exited (${code}) before listening`)))
  })
  t.equal(await status(url, "/ui/login"), 404)
  t.equal(await status(url, "/healthz"), 200)
})
