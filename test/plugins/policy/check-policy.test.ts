import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createEngine, type Policy } from "../../../mod.ts"
import { checkPolicy } from "../../../plugins/policy/mod.ts"
import { rejection, tempDir } from "../../helpers/engine.ts"

const pair = generateKeyPairSync("ec", { namedCurve: "P-256" })
const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString()
const privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString()

// Each plugin checks its own section when the engine starts (the trust keys and registry entries: the OCI plugin's check hook).
const start = async (t: Parameters<typeof tempDir>[0], policy: Policy, policyDir: string) => {
  const engine = await createEngine({ dataDir: join(tempDir(t), "data"), root: policyDir, policy, env: {}, config: false })
  await engine.dispose()
}

t.test("an engine resolves key paths against the policy's directory", async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, "keys"))
  writeFileSync(join(dir, "keys", "release.pub"), publicPem)
  const file = join(dir, "flwd.policy.yaml")
  writeFileSync(file, `trust:\n  keys: [{ name: release, path: keys/release.pub }, { name: ci, pem: ${JSON.stringify(publicPem)} }]\n`)
  const engine = await createEngine({ dataDir: join(dir, "data"), root: dir, policyFile: file, env: {}, config: false })
  await engine.dispose()
  t.pass("a good trust section passes")
  const elsewhere = tempDir(t)
  const moved = join(elsewhere, "flwd.policy.yaml")
  writeFileSync(moved, "trust:\n  keys: [{ name: release, path: keys/release.pub }]\n")
  const e = await rejection(createEngine({ dataDir: join(elsewhere, "data"), root: elsewhere, policyFile: moved, env: {}, config: false }))
  t.match(e, {
    code: "policy.invalid",
    detail: new RegExp(`^Invalid policy file ${moved}: invalid trust policy`),
    errors: [{ path: "trust.keys[0].path", message: /cannot read key release/ }]
  })
})

t.test("an engine names every bad trust field and registry entry", async (t) => {
  const e = await rejection(start(t, {
    trust: {
      keys: [{ name: "garbage", pem: "not a key" }, { name: "secret", pem: privatePem }, { name: "both", pem: publicPem, path: "x.pub" }],
      keyless: [{ issuer: "https://issuer.example", subject_regexp: "(" }]
    }
  }, tempDir(t)))
  t.match(e, { code: "policy.invalid", status: 422 })
  t.match(e.errors, [
    { path: "trust.keys[0].pem", message: /not a PEM public key/ },
    { path: "trust.keys[1].pem", message: /is a private key/ },
    { path: "trust.keys[2]", message: /exactly one of path or pem/ },
    { path: "trust.keyless[0].subject_regexp" }
  ])
  const registries = await rejection(start(t, { allowed_registries: ["registry.example.com/acme"] }, tempDir(t)))
  t.match(registries, { code: "policy.invalid", detail: "Invalid policy", errors: [{ path: "allowed_registries[0]", message: /a path/ }] })
})

t.test("checkPolicy() names an empty profile", async (t) => {
  t.match(await rejection(checkPolicy({ profile: "" }, { policyDir: "/" })), { code: "policy.invalid", errors: [{ path: "profile" }] })
  await checkPolicy({ profile: "secure" }, { policyDir: "/" })
})

t.test("createEngine() refuses to start on a bad trust section or registry entry, also for a policy given as a value", async (t) => {
  const dir = tempDir(t)
  const file = join(dir, "flwd.policy.yaml")
  writeFileSync(file, "trust:\n  keys: [{ name: release, path: keys/missing.pub }]\n")
  const e = await rejection(createEngine({ dataDir: join(dir, "data"), root: dir, policyFile: file, env: {}, config: false }))
  t.match(e, {
    code: "policy.invalid",
    detail: new RegExp(`^Invalid policy file ${file}`),
    errors: [{ path: "trust.keys[0].path", message: new RegExp(join(dir, "keys/missing.pub")) }]
  })
  const value = await rejection(
    createEngine({ dataDir: join(dir, "data"), root: dir, policy: { allowed_registries: ["user@registry.example.com"] }, env: {}, config: false })
  )
  t.match(value, { code: "policy.invalid", errors: [{ path: "allowed_registries[0]", message: /userinfo/ }] })
})
