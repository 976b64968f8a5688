/**
 * `flwd :policy show` and `flwd :policy check` through the real binary,
 * against a real registry; and an invalid policy stopping every command.
 */
import t from "tap"
import { generateKeyPairSync } from "node:crypto"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cosignSign } from "../helpers/cosign.ts"
import { startRegistry } from "../helpers/registry.ts"
import { pushAddon } from "../plugins/sources/oci/_addon.ts"
import { sandbox } from "./_flwd.ts"

const pair = generateKeyPairSync("ec", { namedCurve: "P-256" })
const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString()
const lockedProfile = join(import.meta.dirname, "../plugins/profiles/fixtures/locked-profile.ts")

/** A sandbox with `keys/release.pub` and a policy file naming it; returns the policy file's path. */
function withPolicy(t: Parameters<typeof sandbox>[0], lines: ReadonlyArray<string>) {
  const s = sandbox(t)
  mkdirSync(join(s.cwd, "keys"))
  writeFileSync(join(s.cwd, "keys", "release.pub"), publicPem)
  const file = join(s.cwd, "flwd.policy.yaml")
  writeFileSync(file, [...lines, ""].join("\n"))
  return { ...s, file }
}

t.test("flwd :policy show prints the effective policy, keys by name and fingerprint only", async (t) => {
  const s = withPolicy(t, [
    "profile: secure",
    "allowed_registries: [registry.example.com]",
    "trust:",
    "  keys: [{ name: release, path: keys/release.pub }]",
    '  keyless: [{ issuer: "https://token.actions.githubusercontent.com", subject_regexp: "^https://github.com/acme/" }]',
    "ceilings: { timeout: 30m }"
  ])
  const text = await s.flwd([":policy", "show"])
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, /profile\s+secure/)
  t.match(text.stdout, /verify_signatures\s+required/)
  t.match(text.stdout, /allowed_registries\s+registry\.example\.com/)
  t.match(text.stdout, new RegExp(`release  ${join(s.cwd, "keys/release.pub")}  sha256:[0-9a-f]{64}`))
  t.match(text.stdout, /https:\/\/token\.actions\.githubusercontent\.com {2}subject_regexp \^https:\/\/github\.com\/acme\//)
  t.match(text.stdout, /secure \(default\)\s+30\s+required\s+none/)
  t.match(text.stdout, /disabled\s+10\s+disabled\s+allowed/)
  t.notMatch(text.stdout, /BEGIN PUBLIC KEY/)

  const json = await s.flwd([":policy", "show", "--json", "--profile", "locked", "--plugin", lockedProfile])
  t.equal(json.code, 0, json.stderr)
  const doc = JSON.parse(json.stdout)
  t.match(doc, {
    file: s.file,
    profile: "locked",
    verify_signatures: "required",
    trust: { keys: [{ name: "release", fingerprint: /^sha256:/ }], trusted_root: "public-good" }
  })
  t.same(doc.profiles.map((p: { name: string }) => p.name), ["locked", "secure", "permissive", "disabled"])
  t.notMatch(json.stdout, /BEGIN PUBLIC KEY/)
  t.notOk(existsSync(join(s.dataDir, "flwd.db")), "the engine was not started")
})

t.test("an invalid policy stops every command with exit 2, naming the field", async (t) => {
  const s = withPolicy(t, ['allowed_registries: ["user@registry.example.com"]'])
  const jobs = await s.flwd([":jobs"])
  t.equal(jobs.code, 2)
  t.match(jobs.stderr, new RegExp(`flwd: policy.invalid: Invalid policy file ${s.file}`))
  t.match(jobs.stderr, /allowed_registries\[0\]: must be host or host:port; userinfo/)

  writeFileSync(s.file, "trust:\n  keys: [{ name: release, path: keys/missing.pub }]\n")
  const show = await s.flwd([":policy", "show", "--json"])
  t.equal(show.code, 2)
  t.match(JSON.parse(show.stderr), { code: "policy.invalid", errors: [{ path: "trust.keys[0].path", message: /cannot read key release/ }] })
  const run = await s.flwd(["hello-world", "--name", "A"])
  t.equal(run.code, 2)
  t.match(run.stderr, /trust\.keys\[0\]\.path/)
})

t.test("flwd :policy check runs admission and verification without adding the image", async (t) => {
  const registry = await startRegistry(t)
  const signed = await pushAddon(registry.url, "example/addon", "1.0.0")
  await cosignSign(registry.url, "example/addon", signed, pair.privateKey)
  const unsigned = await pushAddon(registry.url, "example/unsigned", "1.0.0")
  const s = withPolicy(t, [
    `allowed_registries: ["${registry.host}"]`,
    "trust:",
    "  keys: [{ name: release, path: keys/release.pub }]"
  ])
  const blobGets = async (repo: string) => (await registry.requests()).filter((r) => r.method === "GET" && r.path.startsWith(`/v2/${repo}/blobs/`)).length

  const ok = await s.flwd([":policy", "check", `${registry.host}/example/addon:1.0.0`])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, new RegExp(`^${registry.host}/example/addon:1.0.0: admitted \\(profile secure\\)`))
  t.match(ok.stdout, /allow {2}image\.signature\.verified {2}signed by key:release/)
  t.match(ok.stdout, /cosign-tag {2}1 found, matched/)

  const denied = await s.flwd([":policy", "check", "--json", `${registry.host}/example/unsigned:1.0.0`])
  t.equal(denied.code, 1)
  const tag = unsigned.replace(":", "-")
  t.match(JSON.parse(denied.stdout), {
    ref: `${registry.host}/example/unsigned:1.0.0`,
    admitted: false,
    digest: unsigned,
    decisions: [{ decision: "allow", code: "image.registry.allowed" }, { decision: "deny", code: "image.signature.required" }],
    image_trust: {
      mode: "required",
      verified: false,
      signer: null,
      reason: `no signature found: tried cosign tag ${tag}.sig (not found), referrers API (unsupported), referrers tag ${tag} (not found)`,
      discovery: [{ path: "cosign-tag", tried: true, found: 0 }, { path: "referrers-api", tried: true }, { path: "referrers-tag", tried: true }]
    },
    problem: { code: "image.signature.required" }
  })

  const registryDenied = await s.flwd([":policy", "check", "--json", "registry.example.com.evil.example/acme/tools:1"])
  t.equal(registryDenied.code, 1)
  t.match(JSON.parse(registryDenied.stdout), {
    admitted: false,
    digest: null,
    image_trust: null,
    decisions: [{ decision: "deny", code: "image.registry.not.allowed" }]
  })

  const permissive = await s.flwd([":policy", "check", "--json", `${registry.host}/example/unsigned:1.0.0`], { env: { FLWD_PROFILE: "permissive" } })
  t.equal(permissive.code, 0, "permissive admits it with a warning")
  t.match(JSON.parse(permissive.stdout), { admitted: true, profile: "permissive", decisions: [{}, { decision: "warn", code: "image.signature.unverified" }] })

  const bad = await s.flwd([":policy", "check", "user@registry.example.com/acme/tools"])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /validation\.failed/)
  t.equal(await blobGets("example/unsigned"), 0, "no blob of the unsigned image was fetched")
  t.equal(await blobGets("example/addon"), 1, "of the signed one only the signature payload")
  t.notOk(existsSync(join(s.dataDir, "flwd.db")), "nothing was added: the engine never started")
})

t.test("flwd :policy is local: --remote is a usage error", async (t) => {
  const s = sandbox(t)
  const r = await s.flwd(["--remote", "http://127.0.0.1:9", ":policy", "show"])
  t.equal(r.code, 2)
  t.match(r.stderr, /:policy reads the policy of this machine/)
})
