import t from "tap"
import type { Policy, ProfilePlugin } from "../../../core/mod.ts"
import { builtinProfiles, disabledProfile, permissiveProfile, secureProfile, signatureModeOf } from "../../../plugins/profiles/mod.ts"

const listed: Policy = { allowed_registries: ["registry.example.com"] }

t.test("the built-in profiles are ordered strictest first", async (t) => {
  t.same(builtinProfiles.map((p) => p.name), ["secure", "permissive", "disabled"])
  t.ok(secureProfile.strictness > permissiveProfile.strictness && permissiveProfile.strictness > disabledProfile.strictness)
})

t.test("secure admits listed registries only, requires signatures and gives no network or host environment", async (t) => {
  t.match(secureProfile.admitRegistry!("registry.example.com", listed), { decision: "allow", code: "image.registry.allowed", subject: "registry.example.com", profile: "secure" })
  t.match(secureProfile.admitRegistry!("mirror.example.com", listed), { decision: "deny", code: "image.registry.not.allowed", reason: "registry mirror.example.com is not in allowed_registries", profile: "secure" })
  t.match(secureProfile.admitRegistry!("registry.example.com", {}), { decision: "deny" }, "no list admits none")
  t.equal(secureProfile.signatureMode!({}), "required")
  t.equal(secureProfile.signatureMode!({ verify_signatures: "permissive" }), "permissive", "the policy's verify_signatures wins")
  t.same(secureProfile.runtime({ overrides: { network: ["host"], env_inheritance: true } }), { network: false, inheritEnv: false, rootfsWritable: false })
})

t.test("permissive honours a list when one is set, warns on signatures and follows the overrides", async (t) => {
  t.match(permissiveProfile.admitRegistry!("mirror.example.com", {}), { decision: "allow" }, "no list: any registry")
  t.match(permissiveProfile.admitRegistry!("mirror.example.com", listed), { decision: "deny", code: "image.registry.not.allowed", profile: "permissive" })
  t.match(permissiveProfile.admitRegistry!("registry.example.com.evil.example", listed), { decision: "deny" })
  t.equal(permissiveProfile.signatureMode!({}), "permissive")
  t.same(permissiveProfile.runtime({}), { network: false, inheritEnv: false, rootfsWritable: false })
  t.same(permissiveProfile.runtime({ overrides: { network: ["none", "host"], env_inheritance: true, rootfs_writable: true } }), { network: true, inheritEnv: true, rootfsWritable: true })
})

t.test("disabled admits any registry and checks no signature", async (t) => {
  t.match(disabledProfile.admitRegistry!("mirror.example.com", listed), { decision: "allow", profile: "disabled" })
  t.equal(disabledProfile.signatureMode!({ verify_signatures: "required" }), "disabled")
  t.same(disabledProfile.runtime({}), { network: true, inheritEnv: true, rootfsWritable: false })
})

t.test("signatureModeOf() never weakens for a profile that does not say", async (t) => {
  const silent: ProfilePlugin = { name: "silent", strictness: 35, runtime: secureProfile.runtime }
  t.equal(signatureModeOf(silent, {}), "required")
  t.equal(signatureModeOf(silent, { verify_signatures: "permissive" }), "permissive")
  t.equal(signatureModeOf(permissiveProfile, {}), "permissive")
})
