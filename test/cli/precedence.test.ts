/**
 * Where each setting comes from: a flag beats its environment variable,
 * which beats `flwd.yaml`, which beats the default — for the profile as for
 * every other flag/variable pair, as most CLIs do.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import t from "tap"
import { sandbox } from "./_flwd.ts"

t.test("the profile: --profile > FLWD_PROFILE > flwd.yaml > secure", async (t) => {
  const box = sandbox(t)
  const profile = async (args: Array<string>, env: Record<string, string> = {}) => {
    const r = await box.flwd([":plan", "--json", ...args, "hello-world", "--name", "A"], { env })
    t.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout).profile
  }
  t.equal(await profile([]), "secure")
  t.equal(await profile([], { FLWD_PROFILE: "disabled" }), "disabled")
  t.equal(await profile(["--profile", "permissive"], { FLWD_PROFILE: "disabled" }), "permissive", "the flag wins over the variable")
  writeFileSync(join(box.cwd, "flwd.yaml"), "profile: disabled\n")
  t.equal(await profile([]), "disabled")
  t.equal(await profile([], { FLWD_PROFILE: "permissive" }), "permissive", "the variable wins over the file")
})

t.test("every other flag beats its variable, as :config show reports", async (t) => {
  const box = sandbox(t)
  writeFileSync(join(box.cwd, "a.policy.yaml"), "profile: secure\n")
  writeFileSync(join(box.cwd, "b.policy.yaml"), "profile: secure\n")
  writeFileSync(join(box.cwd, "a.yaml"), "profile: secure\n")
  writeFileSync(join(box.cwd, "b.yaml"), "profile: permissive\n")
  const env = { FLWD_DATA_DIR: join(box.cwd, "env-data"), FLWD_POLICY_FILE: "a.policy.yaml", FLWD_CONFIG: "a.yaml", FLWD_PROFILE: "disabled" }
  const show = async (args: Array<string>) => {
    const r = await box.flwd([":config", "show", "--json", ...args], { env })
    t.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as Record<string, unknown>
  }
  // The sandbox passes --data-dir itself: it wins over FLWD_DATA_DIR.
  const flags = await show(["--policy", "b.policy.yaml", "--config", "b.yaml", "--profile", "permissive"])
  t.equal(flags.data_dir, box.dataDir)
  t.match(flags.policy, /b\.policy\.yaml$/)
  t.match(flags.file, /b\.yaml$/)
  t.equal(flags.profile, "permissive")
  const vars = await show([])
  t.match(vars.policy, /a\.policy\.yaml$/)
  t.match(vars.file, /a\.yaml$/)
  t.equal(vars.profile, "disabled")
})
