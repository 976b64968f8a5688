import t from "tap"
import type { Policy, ProfilePlugin } from "../../../core/mod.ts"
import { builtinProfiles, disabledProfile, permissiveProfile, secureProfile, signatureModeOf } from "../../../plugins/profiles/mod.ts"

const allowed = ["registry.example.com"]
// The requests the OCI plugin asks: the registry with the policy's list (undefined: unset), the image with verify_signatures.
const registry = (p: ProfilePlugin, name: string, list: ReadonlyArray<string> | undefined) =>
  p.admit!({ kind: "oci.registry", registry: name, allowed: list }, {})
const signatures = (p: ProfilePlugin, configured?: "required" | "permissive" | "disabled") =>
  signatureModeOf(p, configured === undefined ? {} : { verify_signatures: configured } satisfies Policy)

t.test("the built-in profiles are ordered strictest first", async (t) => {
  t.same(builtinProfiles.map((p) => p.name), ["secure", "permissive", "disabled"])
  t.ok(secureProfile.strictness > permissiveProfile.strictness && permissiveProfile.strictness > disabledProfile.strictness)
})

t.test("secure admits listed registries only, requires signatures and gives no network or host environment", async (t) => {
  t.match(registry(secureProfile, "registry.example.com", allowed), {
    decision: "allow",
    code: "image.registry.allowed",
    subject: "registry.example.com",
    profile: "secure"
  })
  t.match(registry(secureProfile, "mirror.example.com", allowed), {
    decision: "deny",
    code: "image.registry.not.allowed",
    reason: "registry mirror.example.com is not in allowed_registries",
    profile: "secure"
  })
  t.match(registry(secureProfile, "registry.example.com", undefined), { decision: "deny" }, "no list admits none")
  t.equal(signatures(secureProfile), "required")
  t.equal(signatures(secureProfile, "permissive"), "permissive", "the policy's verify_signatures wins")
  t.same(secureProfile.runtime({ overrides: { network: ["host"], env_inheritance: true } }), { network: false, inheritEnv: false, rootfsWritable: false })
})

t.test("permissive honours a list when one is set, warns on signatures and follows the overrides", async (t) => {
  t.match(registry(permissiveProfile, "mirror.example.com", undefined), { decision: "allow" }, "no list: any registry")
  t.match(registry(permissiveProfile, "mirror.example.com", allowed), { decision: "deny", code: "image.registry.not.allowed", profile: "permissive" })
  t.match(registry(permissiveProfile, "registry.example.com.evil.example", allowed), { decision: "deny" })
  t.equal(signatures(permissiveProfile), "permissive")
  t.same(permissiveProfile.runtime({}), { network: false, inheritEnv: false, rootfsWritable: false })
  t.equal(permissiveProfile.admit!({ kind: "source.add", spec: { type: "local", name: "x" } }, {}), undefined, "no opinion on other requests")
  t.same(permissiveProfile.runtime({ overrides: { network: ["none", "host"], env_inheritance: true, rootfs_writable: true } }), {
    network: true,
    inheritEnv: true,
    rootfsWritable: true
  })
})

t.test("disabled admits any registry and checks no signature", async (t) => {
  t.match(registry(disabledProfile, "mirror.example.com", allowed), { decision: "allow", profile: "disabled" })
  t.equal(signatures(disabledProfile, "required"), "disabled")
  t.same(disabledProfile.runtime({}), { network: true, inheritEnv: true, rootfsWritable: false })
})

t.test("signatureModeOf() never weakens for a profile that does not say", async (t) => {
  const silent: ProfilePlugin = { name: "silent", strictness: 35, runtime: secureProfile.runtime }
  t.equal(signatureModeOf(silent, {}), "required")
  t.equal(signatureModeOf(silent, { verify_signatures: "permissive" }), "permissive")
  t.equal(signatureModeOf(permissiveProfile, {}), "permissive")
})
