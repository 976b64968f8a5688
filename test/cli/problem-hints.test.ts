/**
 * Refusals that say how to fix them, as the real binary prints them: the
 * CLI's `source.trust.required` names `--trusted`, and
 * `image.registry.not.allowed` names the policy file in force, or says
 * that none is. Both are decided before any registry is contacted.
 */
import t from "tap"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
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
