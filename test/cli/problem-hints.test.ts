/**
 * Refusals that say how to fix them, as the real binary prints them: the
 * CLI's `source.trust.required` names `--trusted`, and
 * `image.registry.not.allowed` names the policy file in force, or says
 * that none is (both decided before any registry is contacted); a
 * registry refusing the login (`E_OCI`, HTTP 401) names docker login,
 * `config.json` and `REGISTRY_AUTH_FILE`.
 */
import t from "tap"
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { startRegistry } from "../helpers/registry.ts"
import { sandbox } from "./_flwd.ts"

t.setTimeout(300_000)

const ref = "mirror.example.com/team/addon:1.0.0"

t.test("source.trust.required on the command line names --trusted", async (t) => {
  const box = sandbox(t)
  const r = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref])
  t.equal(r.code, 2)
  t.match(r.stderr, /^flwd: source\.trust\.required: /)
  t.match(r.stderr, /^ {2}fix: Add --trusted to flwd :sources add/m)
})

t.test("image.registry.not.allowed names the policy file in force, or that there is none", async (t) => {
  const box = sandbox(t)
  const none = await box.flwd([":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref, "--trusted"])
  t.equal(none.code, 1)
  t.match(none.stderr, /^flwd: image\.registry\.not\.allowed: .*no policy file is in force/m)

  const file = join(box.cwd, "team-policy.yaml")
  writeFileSync(file, "profile: secure\nallowed_registries:\n  - registry.team.example\n")
  const listed = await box.flwd(["--policy", file, ":sources", "add", "--type", "oci", "--name", "addon", "--ref", ref, "--trusted"])
  t.equal(listed.code, 1)
  t.match(listed.stderr, /^flwd: image\.registry\.not\.allowed: .*allowed_registries of the policy file in force, .*team-policy\.yaml/m)
  t.match(listed.stderr, /^ {2}fix: List the registry in allowed_registries/m)
})

/** An htpasswd line (bcrypt) for the registry's Basic auth. */
function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync("htpasswd", ["-nbB", user, password], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim()
  } catch {
    return `${user}:${execFileSync("perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, "$2b$05$abcdefghijklmnopqrstuu"]).toString()}`
  }
}

t.test("E_OCI for a refused login says where the credentials go", async (t) => {
  const locked = await startRegistry(t, { htpasswd: [htpasswdLine("alice", "s3cret")] })
  const box = sandbox(t)
  // No credentials anywhere the engine looks: an empty docker config directory and runtime directory.
  const empty = join(box.cwd, "no-credentials")
  mkdirSync(empty)
  const policy = join(box.cwd, "policy.yaml")
  writeFileSync(policy, `profile: secure\nverify_signatures: disabled\nallowed_registries:\n  - ${locked.host}\n`)
  const r = await box.flwd([
    "--policy",
    policy,
    ":sources",
    "add",
    "--type",
    "oci",
    "--name",
    "locked",
    "--ref",
    `${locked.host}/team/addon:1.0.0`,
    "--trusted"
  ], {
    env: { DOCKER_CONFIG: empty, XDG_RUNTIME_DIR: empty }
  })
  t.equal(r.code, 1, r.stderr)
  t.match(r.stderr, /^flwd: E_OCI: .*\b401\b/m)
  t.match(r.stderr, /^ {2}fix: Log in to the registry .*docker login.*config\.json.*REGISTRY_AUTH_FILE/m)
})
