import t from "tap"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Either from "effect/Either"
import { assembleContributions, type Policy, type Problem, type Schema } from "../../../core/mod.ts"
import { builtinPlugins } from "../../../engine/builtin-plugins.ts"
import { loadPolicyFile as loadWith, policyProblems } from "../../../plugins/policy/mod.ts"
import { tempDir } from "../../helpers/engine.ts"

function write(t: Parameters<typeof tempDir>[0], text: string): { dir: string; file: string } {
  const dir = tempDir(t)
  const file = join(dir, "flwd.policy.yaml")
  writeFileSync(file, text)
  return { dir, file }
}

// The policy Schema of an engine with the built-in plugins: core's keys, OCI's section, the sandbox's ceilings.
const schema: Schema.Schema<Policy, unknown> = Either.getOrThrow(assembleContributions(builtinPlugins)).policy
const loadPolicyFile = (path: string | undefined, cwd = process.cwd()) => loadWith(path, cwd, schema)

function thrown(f: () => unknown): Problem {
  try {
    f()
  } catch (e) {
    return e as Problem
  }
  throw new Error("expected a throw")
}

t.test("loadPolicyFile() reads the file of DESIGN §6", async (t) => {
  const { dir, file } = write(
    t,
    [
      "profile: secure",
      "verify_signatures: required",
      'allowed_registries: [registry.example.com, "127.0.0.1:5000", "Registry.Example."]',
      'insecure_registries: ["127.0.0.1:5000"]',
      "trust:",
      "  keys: [{ name: release, path: keys/release.pub }]",
      '  keyless: [{ issuer: "https://token.actions.githubusercontent.com", subject_regexp: "^https://github.com/acme/" }]',
      "  trusted_root: trust/trusted_root.json",
      'ceilings: { cpu: "1", memory: 512Mi, timeout: 30m }',
      "overrides: { network: [none, host], rootfs_writable: false, env_inheritance: false }",
      ""
    ].join("\n")
  )
  const loaded = loadPolicyFile(undefined, dir)
  t.equal(loaded.path, file, "./flwd.policy.yaml is found in the working directory")
  t.match(loaded.policy, {
    profile: "secure",
    allowed_registries: ["registry.example.com", "127.0.0.1:5000", "Registry.Example."],
    ceilings: { memory: "512Mi" }
  })
  t.same(loadPolicyFile(undefined, tempDir(t)), { policy: {}, path: null }, "no file: the empty policy")
})

t.test("loadPolicyFile() names each failing field", async (t) => {
  const { file } = write(
    t,
    [
      "verify_signatures: sometimes",
      'allowed_registries: [registry.example.com, "https://mirror.example.com", "registry.example.com/acme", "user@registry.example.com", "*.example", "127.0.0.1:99999"]',
      'insecure_registries: ["http://127.0.0.1:5000"]',
      "color: blue",
      ""
    ].join("\n")
  )
  const invalid = thrown(() => loadPolicyFile(file))
  t.match(invalid, { code: "policy.invalid", status: 422, detail: `Invalid policy file ${file}` })
  t.match(invalid.errors!.map((e) => e.path).sort(), ["color", "verify_signatures"])

  // The sandbox's section is checked while the file decodes (registry entries: by the OCI plugin's check hook).
  const { file: ceilings } = write(
    t,
    [
      'ceilings: { cpu: lots, memory: "-5", timeout: forever, pids: 2.5, tmp: 0 }',
      ""
    ].join("\n")
  )
  const e = thrown(() => loadPolicyFile(ceilings))
  t.match(e, { code: "policy.invalid", detail: `Invalid policy file ${ceilings}` })
  t.match(e.errors, [
    { path: "ceilings.cpu", message: /500m/ },
    { path: "ceilings.memory", message: /512Mi/ },
    { path: "ceilings.timeout", message: /30m/ },
    { path: "ceilings.pids", message: /whole number/ },
    { path: "ceilings.tmp", message: "Expected string, actual 0" }
  ])
})

t.test("loadPolicyFile() refuses YAML that does not parse and files that cannot be read", async (t) => {
  const { file } = write(t, "allowed_registries: [registry.example.com\n")
  t.match(thrown(() => loadPolicyFile(file)), { code: "policy.invalid", detail: /is not valid YAML/ })
  t.match(thrown(() => loadPolicyFile(join(tempDir(t), "missing.yaml"))), { code: "policy.invalid", detail: /Cannot read policy file/ })
})

t.test("policyProblems() accepts the empty policy and names an empty profile", async (t) => {
  t.same(policyProblems({}), [])
  t.match(policyProblems({ profile: " " }), [{ path: "profile" }])
})

t.test("good ceilings decode", async (t) => {
  const { file } = write(t, 'ceilings: { cpu: "500m", memory: 1Gi, timeout: 1h30m, pids: 64, tmp: 64Mi }\n')
  t.same(loadPolicyFile(file).policy, { ceilings: { cpu: "500m", memory: "1Gi", timeout: "1h30m", pids: 64, tmp: "64Mi" } })
})
