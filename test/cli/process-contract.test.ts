/**
 * What only the real process shows, on the binary npm installs
 * (`bin/flwd.js`): the version line, exit statuses, stdout and stderr as
 * separate pipes, a closed pipe ending the command quietly, and the
 * in-process runner (`runCli`, which the other CLI tests use) answering
 * exactly as the process does. Ctrl-C and SIGTERM on a running job are in
 * `run.test.ts` and `runs.test.ts`, on the real process too.
 */
import t from "tap"
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { binJs, collect, repo, sandbox } from "./_flwd.ts"
import { untracked } from "../helpers/untracked.ts"

t.setTimeout(300_000)

const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version

t.test("bin/flwd.js --version prints the package version and exits 0", async (t) => {
  const box = sandbox(t)
  const r = await box.flwdProcess(["--version"])
  t.equal(r.code, 0)
  t.equal(r.stdout, `flwd ${version}\n`)
  t.equal(r.stderr, "")
  const json = await box.flwdProcess(["--version", "--json"])
  t.same(JSON.parse(json.stdout), { version })
})

t.test("a usage error exits 2, on stderr only; a failed job exits with its own code", async (t) => {
  const box = sandbox(t)
  const usage = await box.flwdProcess([":nope"])
  t.equal(usage.code, 2)
  t.equal(usage.stdout, "")
  t.match(usage.stderr, /^flwd: validation\.failed: unknown command :nope/)
  const failed = await box.flwdProcess(["always-fails"])
  t.equal(failed.code, 3, "examples/jobs/always-fails exits 3")
})

t.test("a closed pipe ends the command quietly with status 0", async (t) => {
  const box = sandbox(t)
  // A listing well past a pipe's 64 KiB buffer, so flwd is still writing
  // when `head -1` closes it.
  for (let i = 0; i < 1500; i++) {
    const dir = join(box.root, "many", `job-${i}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "config.yaml"), `summary: ${"a summary long enough to fill the pipe quickly ".repeat(2)}\ncommand: ./run.sh\n`)
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\n", { mode: 0o755 })
  }
  const child = spawn(
    ...untracked(["bash", "-c", `"${process.execPath}" "${binJs}" --data-dir "${box.dataDir}" :jobs | head -1; echo "status=\${PIPESTATUS[0]}"`]),
    {
      cwd: box.cwd,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
  const r = await collect(child)
  t.equal(r.stderr, "", "no EPIPE trace")
  t.match(r.stdout, /^ID\s+SUMMARY\s+SOURCE\nstatus=0\n$/)
})

t.test("runCli answers as the process does: status, stdout and stderr", async (t) => {
  const box = sandbox(t)
  for (
    const args of [[":jobs"], [":jobs", "--json"], [":plan", "hello-world", "--name", "x"], ["hello-world", "--name", "in"], [":nope"], [
      "hello-world",
      "--bogus"
    ], ["--help"]]
  ) {
    const real = await box.flwdProcess(args)
    const inner = await box.flwd(args)
    const what = args.join(" ")
    const stable = (s: string) => s.replace(/\b[0-9a-f]{8}-[0-9a-f-]{27}\b/g, "<id>").replace(/\d+(\.\d+)? ?m?s\b/g, "<time>")
    t.equal(inner.code, real.code, `${what}: status`)
    t.equal(stable(inner.stdout), stable(real.stdout), `${what}: stdout`)
    t.equal(stable(inner.stderr), stable(real.stderr), `${what}: stderr`)
  }
})
