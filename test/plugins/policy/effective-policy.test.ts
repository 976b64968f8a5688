import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { resolveSettings } from "../../../mod.ts"
import { effectivePolicy } from "../../../plugins/policy/mod.ts"
import { builtinProfiles } from "../../../plugins/profiles/mod.ts"
import { tempDir } from "../../helpers/engine.ts"
import locked from "../profiles/fixtures/locked-profile.ts"

const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString()

t.test("effectivePolicy() shows each profile's outcome and the keys by name, never their PEM text", async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, "keys"))
  writeFileSync(join(dir, "keys", "release.pub"), pem)
  const shown = effectivePolicy({
    policy: {
      verify_signatures: "permissive",
      allowed_registries: ["registry.example.com"],
      trust: { keys: [{ name: "release", path: "keys/release.pub" }, { name: "ci", pem }], trusted_root: "trust/root.json" },
      ceilings: { timeout: "30m" },
      overrides: { network: ["none", "host"] }
    },
    file: join(dir, "flwd.policy.yaml"),
    policyDir: dir,
    profile: "secure",
    profiles: [...builtinProfiles, locked]
  })
  t.match(shown, {
    profile: "secure",
    verify_signatures: "permissive",
    allowed_registries: ["registry.example.com"],
    insecure_registries: [],
    trust: {
      keys: [
        { name: "release", path: join(dir, "keys/release.pub"), fingerprint: /^sha256:[0-9a-f]{64}$/ },
        { name: "ci", path: null, fingerprint: /^sha256:[0-9a-f]{64}$/ }
      ],
      trusted_root: join(dir, "trust/root.json")
    },
    ceilings: { timeout: "30m" }
  })
  t.equal(shown.trust.keys[0].fingerprint, shown.trust.keys[1].fingerprint, "one key, one fingerprint")
  t.notMatch(JSON.stringify(shown), /BEGIN PUBLIC KEY/)
  t.same(shown.profiles.map((p) => [p.name, p.default, p.verify_signatures, p.network]), [
    ["locked", false, "required", false],
    ["secure", true, "permissive", false],
    ["permissive", false, "permissive", true],
    ["disabled", false, "disabled", true]
  ])
})

t.test("profile precedence: the profile option (--profile) > FLWD_PROFILE > flwd.yaml > the policy > secure", async (t) => {
  const dir = tempDir(t)
  const config = join(dir, "flwd.yaml")
  writeFileSync(config, "profile: permissive\n")
  const base = { dataDir: join(dir, "data"), root: dir, policy: { profile: "disabled" } }
  t.equal(resolveSettings({ ...base, config: false, env: {} }).profile, "disabled", "the policy's profile")
  t.equal(resolveSettings({ ...base, config, env: {} }).profile, "permissive", "the config file over the policy")
  t.equal(resolveSettings({ ...base, config, env: {}, profile: "secure" }).profile, "secure", "the option over the config file")
  t.equal(resolveSettings({ ...base, config, env: { FLWD_PROFILE: "locked" }, profile: "secure" }).profile, "secure", "the option over the environment")
  t.equal(resolveSettings({ ...base, config, env: { FLWD_PROFILE: "locked" } }).profile, "locked", "the environment over the config file")
  t.equal(resolveSettings({ dataDir: base.dataDir, root: dir, policy: {}, config: false, env: { FLWD_PROFILE: "" } }).profile, "secure", "secure by default")
})
