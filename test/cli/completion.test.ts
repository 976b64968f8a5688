/**
 * `flwd completion <shell>` and the hidden `:complete` helper it calls.
 */
import t from "tap"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { binJs, sandbox } from "./_flwd.ts"
import { untracked } from "../helpers/untracked.ts"

function has(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0
}

t.test("completion scripts are valid shell", async (t) => {
  const box = sandbox(t)
  const checks: Record<string, ReadonlyArray<string>> = { bash: ["bash", "-n"], zsh: ["zsh", "-n"], fish: ["fish", "--no-execute"] }
  for (const shell of ["bash", "zsh", "fish"]) {
    const r = await box.flwd(["completion", shell])
    t.equal(r.code, 0, r.stderr)
    t.match(r.stdout, ":complete --")
    const file = join(box.cwd, `flwd.${shell}`)
    writeFileSync(file, r.stdout)
    const [program, ...args] = checks[shell]
    if (!has(program)) {
      t.comment(`${program} is not installed; syntax not checked`)
      continue
    }
    const check = spawnSync(program, [...args, file], { encoding: "utf8" })
    t.equal(check.status, 0, `${shell}: ${check.stderr}`)
  }
  const bad = await box.flwd(["completion", "tcsh"])
  t.equal(bad.code, 2)
  t.match(bad.stderr, "bash, zsh or fish")
})

t.test(":complete offers commands, job ids, flags and values", async (t) => {
  const box = sandbox(t)
  const complete = async (...words: Array<string>) => {
    const r = await box.flwd([":complete", "--", ...words])
    t.equal(r.code, 0, r.stderr)
    return r.stdout.split("\n").filter((l) => l !== "")
  }
  t.same(await complete(":j"), [":jobs"])
  const first = await complete("")
  for (const c of [":jobs", ":runs", "completion", "hello-world", "legacy/greet"]) t.ok(first.includes(c), c)
  t.same(await complete("hel"), ["hello-world"])
  t.same(
    (await complete("hello-world", "--")).filter((f) =>
      !["--root", "--data-dir", "--profile", "--policy", "--store", "--json", "--verbose", "--quiet", "--help", "--version"].includes(f)
    ).sort(),
    [
      "--loud",
      "--name",
      "--no-loud",
      "--tags",
      "--token"
    ]
  )
  t.same(await complete("--root", "jobs", ":plan", "hello-world", "--name", "x", "--lo"), ["--loud"])
  t.same(await complete(":plan", "hello-"), ["hello-world"])
  t.same(await complete(":runs", ""), ["list", "show", "events", "cancel"])
  t.same(await complete(":runs", "--status", "f"), ["failed"])
  t.same(await complete(":sources", "add", "--type", ""), ["git", "local", "oci"])
  t.same(await complete("completion", ""), ["bash", "zsh", "fish"])
  t.same(await complete(":jobs", "--i"), ["--ids"])
  t.same(await complete(":plan", "hello-world", "--name", ""), [], "free values are left to the shell")
})

t.test(":complete in a directory without flwd creates nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "flwd-empty-"))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = { ...process.env }
  delete env.FLWD_DATA_DIR
  const r = spawnSync(...untracked([process.execPath, binJs, ":complete", "--", ""]), { cwd: dir, env, encoding: "utf8" })
  t.equal(r.status, 0)
  t.ok(r.stdout.split("\n").includes(":jobs"), "commands still complete")
  t.same(readdirSync(dir), [], "no data directory was created")
})

// A shell may be missing on a developer's machine; CI installs all three
// (.ci/run), and there a missing shell fails instead of skipping.
const missing = (shell: string): string | false => has(shell) ? false : process.env.CI ? false : `${shell} missing (install it; CI does)`

t.test("the bash script completes through the real helper", { skip: missing("bash") }, async (t) => {
  const box = sandbox(t)
  const script = join(box.cwd, "flwd.bash")
  writeFileSync(script, (await box.flwd(["completion", "bash"])).stdout)
  const complete = (line: string) => {
    const program = [
      `flwd() { "${process.execPath}" "${binJs}" --data-dir "${box.dataDir}" "$@"; }`,
      `source "${script}"`,
      `COMP_LINE='${line}'; COMP_POINT=\${#COMP_LINE}`,
      `_flwd_complete`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`
    ].join("\n")
    const r = spawnSync(...untracked(["bash", "-c", program]), { cwd: box.cwd, encoding: "utf8" })
    t.equal(r.status, 0, r.stderr)
    return r.stdout.split("\n").filter((l) => l !== "")
  }
  t.same(complete("flwd :jo"), ["jobs"], "the part before bash's ':' word break is stripped")
  t.same(complete("flwd hello-world --lo"), ["--loud"])
  t.ok(complete("flwd ").includes("hello-world"))
})

t.test("the zsh script completes through the real helper", { skip: missing("zsh") }, async (t) => {
  const box = sandbox(t)
  const script = join(box.cwd, "_flwd")
  writeFileSync(script, (await box.flwd(["completion", "zsh"])).stdout)
  // compadd and compdef are stand-ins: the widget's candidates are printed.
  const complete = (...words: Array<string>) => {
    const program = [
      `flwd() { "${process.execPath}" "${binJs}" --data-dir "${box.dataDir}" "$@" }`,
      "compdef() { : }",
      `source "${script}"`,
      'compadd() { shift 2; print -l -- "$@" }',
      "_files() { print FILES }",
      `words=(flwd ${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length + 1}`,
      "_flwd"
    ].join("\n")
    const r = spawnSync(...untracked(["zsh", "-c", program]), { cwd: box.cwd, encoding: "utf8" })
    t.equal(r.status, 0, r.stderr)
    return r.stdout.split("\n").filter((l) => l !== "")
  }
  t.same(complete(":jo"), [":jobs"])
  t.same(complete("hello-world", "--lo"), ["--loud"])
  t.same(complete("--root", ""), ["FILES"], "paths fall back to file completion")
})

t.test("the fish script completes through the real helper", { skip: missing("fish") }, async (t) => {
  const box = sandbox(t)
  const script = join(box.cwd, "flwd.fish")
  writeFileSync(script, (await box.flwd(["completion", "fish"])).stdout)
  const complete = (line: string) => {
    const program = [
      `function flwd; "${process.execPath}" "${binJs}" --data-dir "${box.dataDir}" $argv; end`,
      `source "${script}"`,
      `complete -C '${line}'`
    ].join("\n")
    const r = spawnSync(...untracked(["fish", "-c", program]), { cwd: box.cwd, encoding: "utf8" })
    t.equal(r.status, 0, r.stderr)
    return r.stdout.split("\n").filter((l) => l !== "")
  }
  t.same(complete("flwd :jo"), [":jobs"])
  t.same(complete("flwd hello-world --lo"), ["--loud"])
  t.same(complete("flwd :runs "), ["cancel", "events", "list", "show"])
})
