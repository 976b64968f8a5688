import t from "tap"
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as Effect from "effect/Effect"
import { discoverJobTree, discoverJobTreeEffect } from "../../../plugins/tree/mod.ts"

type Teardown = { teardown: (fn: () => void) => void }

/** A temp tree from `{ "a/config.yaml": "…" }`; values ending in "/" make directories. */
function tree(t: Teardown, files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "flwd-tree-")))
  t.teardown(() => {
    chmodAll(root)
    rmSync(root, { recursive: true, force: true })
  })
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path)
    if (path.endsWith("/")) mkdirSync(abs, { recursive: true })
    else {
      mkdirSync(dirname(abs), { recursive: true })
      writeFileSync(abs, content, { mode: path.endsWith(".sh") ? 0o755 : 0o644 })
    }
  }
  return root
}

function chmodAll(root: string) {
  try {
    chmodSync(join(root, "locked"), 0o755)
  } catch {
    // Only the unreadable-directory test locks one.
  }
}

const run = "#!/bin/sh\necho hi\n"

t.test("discoverJobTree() finds every directory with a config as a job", async (t) => {
  const root = tree(t, {
    "hello/config.yaml": "command: ./run.sh\n",
    "hello/run.sh": run,
    "backup/daily/config.yaml": "command: [./run.sh, --fast]\n",
    "backup/daily/run.sh": run,
    "backup/config.yaml": "command: echo backup\n",
    "legacy/greet/config.d/config.yaml": "summary: old\n",
    "legacy/greet/000_hello.sh": run,
    "legacy/greet/010_bye.sh": run,
    "legacy/greet/notes.txt": "",
    "docs/README.md": "not a job\n"
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(diagnostics, [])
  t.same(jobs.map((j) => j.id), ["backup", "backup/daily", "hello", "legacy/greet"])
  const daily = jobs[1]
  t.equal(daily.name, "daily", "the name defaults to the last path segment")
  t.equal(daily.dir, join(root, "backup/daily"))
  t.same(daily.steps, [{ id: "main", argv: ["./run.sh", "--fast"], needs: [] }])
  t.same(jobs[0].steps, [{ id: "main", argv: ["echo", "backup"], needs: [] }])
  const greet = jobs[3]
  t.equal(greet.summary, "old")
  t.same(greet.steps, [
    { id: "000_hello.sh", argv: ["./000_hello.sh"], needs: [] },
    { id: "010_bye.sh", argv: ["./010_bye.sh"], needs: ["000_hello.sh"] }
  ])
})

t.test("discoverJobTree() skips hidden directories, node_modules and config.d", async (t) => {
  const root = tree(t, {
    ".git/hooks/config.yaml": "command: x\n",
    "node_modules/pkg/config.yaml": "command: x\n",
    "a/config.d/config.yaml": "command: x\n",
    "a/config.d/nested/config.yaml": "command: x\n",
    ".hidden/config.yaml": "command: x\n"
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs.map((j) => j.id), ["a"])
  t.same(diagnostics, [])
})

t.test("discoverJobTree() reports malformed YAML with its line, and keeps the other jobs", async (t) => {
  const root = tree(t, {
    "bad/config.yaml": "summary: ok\ncommand: [unclosed\nenv: {}\n",
    "dup/config.yaml": "command: a\ncommand: b\n",
    "good/config.yaml": "command: echo ok\n",
    "list/config.yaml": "- command: x\n"
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs.map((j) => j.id), ["good"])
  t.equal(diagnostics.length, 3)
  t.match(diagnostics[0], { level: "error", code: "discovery.invalid", path: "bad/config.yaml", message: /^YAML error at line [23], column \d+: / })
  t.match(diagnostics[1], { level: "error", code: "discovery.invalid", path: "dup/config.yaml", message: /line 2, column 1: Map keys must be unique/ })
  t.match(diagnostics[2], { path: "list/config.yaml", message: "must be a mapping of keys to values" })
})

t.test("discoverJobTree() warns about unknown keys and still loads the job", async (t) => {
  const root = tree(t, {
    "job/config.yaml": [
      "command: echo hi",
      "colour: blue",
      "argspec:",
      "  args:",
      "    - { name: a, descripton: typo }",
      "steps_extra: 1"
    ].join("\n")
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(diagnostics, [{
    level: "warning",
    code: "config.unknown.key",
    path: "job/config.yaml",
    message: "unknown keys ignored: colour, steps_extra, argspec.args[0].descripton"
  }])
  t.same(jobs[0].warnings, [
    'config key "colour" is unknown and ignored',
    'config key "steps_extra" is unknown and ignored',
    'config key "argspec.args[0].descripton" is unknown and ignored'
  ])
  t.same(jobs[0].argspec, { args: [{ name: "a", type: "string" }] })
})

t.test("discoverJobTree() reports invalid values with field paths and skips the job", async (t) => {
  const root = tree(t, {
    "job/config.yaml": [
      "command: echo hi",
      "timeout: soon",
      "concurrency: 0",
      "env: { GOOD: 1, FLWD_RUN_ID: x }",
      "argspec:",
      "  args:",
      "    - { name: a, type: strin }",
      "    - { name: b, type: boolean, default: maybe }"
    ].join("\n"),
    "spec/config.yaml": "command: echo\nargspec:\n  args:\n    - { name: b, type: boolean, default: maybe }\n"
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs, [])
  const messages = diagnostics.map((d) => `${d.path} ${d.message}`)
  t.ok(diagnostics.every((d) => d.level === "error" && d.code === "discovery.invalid"))
  t.same(messages.filter((m) => m.startsWith("job/")), [
    'job/config.yaml argspec.args[0].type: Expected "string" | "integer" | "number" | "boolean" | "array" | "object", actual "strin"',
    "job/config.yaml concurrency: must be a positive integer"
  ], "one error per failing field")
  t.same(messages.filter((m) => m.startsWith("spec/")), ["spec/config.yaml argspec.args[0].default: must be true or false"])
})

t.test("discoverJobTree() requires a runnable entry", async (t) => {
  const root = tree(t, { "empty/config.yaml": "summary: nothing to run\n", "blank/config.yaml": "" })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs, [])
  t.same(diagnostics.map((d) => [d.path, d.message]), [
    ["blank/config.yaml", "no runnable entry: set command or steps, or add numbered scripts (000_name.sh)"],
    ["empty/config.yaml", "no runnable entry: set command or steps, or add numbered scripts (000_name.sh)"]
  ])
})

t.test("discoverJobTree() reports a collision between config.yaml and config.d/config.yaml", async (t) => {
  const root = tree(t, {
    "a/config.yaml": "command: echo new\n",
    "a/config.d/config.yaml": "command: echo old\n",
    "b/config.yaml": "command: echo b\n"
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs.map((j) => j.id), ["b"])
  t.same(diagnostics, [{
    level: "error",
    code: "discovery.collision",
    path: "a",
    message: 'job "a" is defined twice, by a/config.yaml and a/config.d/config.yaml; neither is loaded'
  }])
})

t.test("discoverJobTree() reports unreadable configs and directories", async (t) => {
  const root = tree(t, {
    "dir-config/config.yaml/": "",
    "broken/": "",
    "locked/inner/config.yaml": "command: echo\n",
    "ok/config.yaml": "command: echo\n"
  })
  symlinkSync(join(root, "nowhere.yaml"), join(root, "broken/config.yaml"))
  chmodSync(join(root, "locked"), 0o000)
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs.map((j) => j.id).filter((id) => !id.startsWith("locked")), ["ok"])
  const unreadable = diagnostics.filter((d) => d.code === "discovery.unreadable").map((d) => [d.path, d.message])
  t.same(unreadable.filter(([p]) => p !== "locked"), [
    ["broken/config.yaml", "cannot read: does not exist"],
    ["dir-config/config.yaml", "cannot read: is a directory"]
  ])
  // Root reads through mode 000, so the locked directory is only unreadable for other users.
  if (process.getuid?.() !== 0) t.same(unreadable.filter(([p]) => p === "locked"), [["locked", "cannot read directory: permission denied"]])
})

t.test("discoverJobTree() never follows a symlink out of the root", async (t) => {
  const outside = tree(t, { "evil/config.yaml": "command: echo evil\n", "evil.sh": run, "config.yaml": "command: echo\n" })
  const root = tree(t, {
    "inside/config.yaml": "command: echo\n",
    "link-config/": "",
    "link-script/config.yaml": "command: ./run.sh\n",
    "numbered/010_b.sh": run
  })
  symlinkSync(join(outside, "evil"), join(root, "escape"))
  symlinkSync(join(root, "inside"), join(root, "alias"))
  symlinkSync(join(outside, "config.yaml"), join(root, "link-config/config.yaml"))
  symlinkSync(join(outside, "evil.sh"), join(root, "link-script/run.sh"))
  symlinkSync(join(outside, "evil.sh"), join(root, "numbered/000_a.sh"))
  writeFileSync(join(root, "numbered/config.yaml"), "summary: numbered\n")
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs.map((j) => j.id), ["inside"], "nothing from outside, and no second id for inside/")
  t.same(diagnostics.map((d) => [d.level, d.code, d.path, d.message]), [
    ["warning", "discovery.symlink", "alias", "directory symlinks are not followed"],
    ["warning", "discovery.symlink", "escape", "symlink leads outside the tree; not followed"],
    ["error", "discovery.symlink", "link-config/config.yaml", "symlink leads outside the tree; job not loaded"],
    ["error", "discovery.invalid", "link-script/config.yaml", 'command: "./run.sh" is a symlink leading outside the job tree'],
    ["error", "discovery.invalid", "numbered/config.yaml", '000_a.sh: "./000_a.sh" is a symlink leading outside the job tree']
  ])
})

t.test("discoverJobTree() accepts file symlinks that stay inside the root", async (t) => {
  const root = tree(t, { "shared/run.sh": run, "shared/job.yaml": "command: ./run.sh\n", "job/": "" })
  symlinkSync(join(root, "shared/job.yaml"), join(root, "job/config.yaml"))
  symlinkSync(join(root, "shared/run.sh"), join(root, "job/run.sh"))
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(diagnostics, [])
  t.same(jobs.map((j) => j.id), ["job"])
})

t.test("discoverJobTree() checks the files steps start", async (t) => {
  const root = tree(t, {
    "missing/config.yaml": "command: ./run.sh\n",
    "parent/config.yaml": "command: ../../etc/passwd\n",
    "shared/lib/common.sh": run,
    "sibling/config.yaml": "command: ../shared/lib/common.sh\n"
  })
  const { jobs, diagnostics } = await discoverJobTree(root)
  t.same(jobs.map((j) => [j.id, j.warnings]), [["missing", ['command: "./run.sh" does not exist']], ["sibling", []]])
  t.same(diagnostics.map((d) => [d.level, d.path, d.message]), [
    ["warning", "missing/config.yaml", 'command: "./run.sh" does not exist'],
    ["error", "parent/config.yaml", 'command: "../../etc/passwd" leads outside the job tree']
  ])
})

t.test("discoverJobTree() ignores a config at the root and stops at maxDepth", async (t) => {
  const root = tree(t, { "config.yaml": "command: echo\n", "a/b/c/config.yaml": "command: echo\n", "a/config.yaml": "command: echo\n" })
  const { jobs, diagnostics } = await discoverJobTree(root, { maxDepth: 2 })
  t.same(jobs.map((j) => j.id), ["a"])
  t.same(diagnostics.map((d) => [d.level, d.code, d.path]), [
    ["warning", "discovery.too.deep", "a/b/c"],
    ["warning", "discovery.invalid", "config.yaml"]
  ])
})

t.test("discoverJobTreeEffect() reports a missing root as a diagnostic", async (t) => {
  const result = await Effect.runPromise(discoverJobTreeEffect(join(tmpdir(), "flwd-does-not-exist-0")))
  t.same(result, {
    jobs: [],
    diagnostics: [{ level: "error", code: "discovery.unreadable", path: ".", message: "cannot read the tree root: does not exist" }]
  })
})
